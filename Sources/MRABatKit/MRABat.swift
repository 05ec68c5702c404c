package enum MRABat { package static let version = "0.1.0" }
