import Foundation
import Testing

@testable import MRABatKit

@Suite("Audit times")
struct AuditTimeTests {
    static let instant = Date(timeIntervalSince1970: 1_772_352_000)  // 2026-03-01T08:00:00Z

    @Test func formatIsISO8601UTCInWholeSeconds() {
        #expect(AuditTime.format(Self.instant) == "2026-03-01T08:00:00Z")
        #expect(AuditTime.format(Self.instant.addingTimeInterval(0.75)) == "2026-03-01T08:00:00Z")
        #expect(AuditTime.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
    }

    @Test(arguments: [
        ("2026-03-01T08:00:00Z", 0.0), ("2026-03-01T09:30:00+01:30", 0), ("2026-03-01T03:00:00-05:00", 0),
        ("2026-03-01T08:00:00.250Z", 0.25),
    ])
    func parseTakesAnInstantWithItsZone(text: String, fraction: Double) throws {
        let parsed = try #require(AuditTime.parse(text))
        #expect(abs(parsed.timeIntervalSince(Self.instant) - fraction) < 0.001, "\(text) → \(parsed)")
    }

    @Test(arguments: [
        "2026-03-01", "2026-03-01T08:00:00", "08:00:00Z", "2026-02-30T08:00:00Z", "2026-03-01T24:30:00Z",
        "2026-03-01T08:00:00+25:00", "now", "",
    ])
    func parseRefusesWhatIsNotAnInstant(text: String) {
        #expect(AuditTime.parse(text) == nil, "\(text)")
    }

    @Test func formatAndParseRoundTrip() throws {
        #expect(try #require(AuditTime.parse(AuditTime.format(Self.instant))) == Self.instant)
    }
}
