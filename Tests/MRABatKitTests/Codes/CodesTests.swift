import Testing

/// Groups the tests of `Sources/MRABatKit/Codes` so `swift test --filter Codes` runs them all.
@Suite enum CodesTests {}
