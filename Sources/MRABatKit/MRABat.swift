public enum MRABat { public static let version = "0.1.0" }
