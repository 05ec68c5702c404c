import Testing
@testable import MRABatKit
@Test func versionIsSet() { #expect(!MRABat.version.isEmpty) }
