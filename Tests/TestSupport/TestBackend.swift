/// The store backends a test runs against: `@Test(arguments: TestBackend.allCases)`.
package enum TestBackend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    package var description: String { rawValue }
}
