import Foundation

/// Times in audit details, exports and command output: ISO 8601 UTC, whole seconds
/// (`2026-03-01T08:00:00Z`).
package enum AuditTime {
    /// The one format; a value type that is `Sendable`, so every task shares it.
    static let style = Date.ISO8601FormatStyle(timeZone: .gmt)
    /// What ``parse(_:)`` also accepts: fractional seconds.
    private static let fractionalStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)

    /// `date` as ISO 8601 UTC, e.g. `2026-03-01T08:00:00Z`.
    package static func format(_ date: Date) -> String {
        style.format(date)
    }

    /// An ISO 8601 instant with a zone — `2026-03-01T08:00:00Z`, `2026-03-01T09:00:00+01:00`,
    /// `2026-03-01T08:00:00.250Z` — or `nil` if `text` is not one: a date without a time or a
    /// time without a zone is ambiguous, and a day or time that does not exist (`2026-02-30`,
    /// `25:00`) is a typing error, not a date to roll over.
    package static func parse(_ text: String) -> Date? {
        guard let date = (try? style.parse(text)) ?? (try? fractionalStyle.parse(text)) else { return nil }
        // The parser is lenient (February 30 becomes March 2): the date and time written must be
        // the ones the instant has in the zone written.
        let zone = text.suffix(6)
        var offset = 0
        if zone.first == "+" || zone.first == "-", let hours = Int(zone.dropFirst().prefix(2)),
            let minutes = Int(zone.suffix(2))
        {
            offset = (zone.first == "-" ? -1 : 1) * (hours * 3600 + minutes * 60)
        } else if !text.hasSuffix("Z") {
            return nil
        }
        guard let timeZone = TimeZone(secondsFromGMT: offset) else { return nil }
        let written = Date.ISO8601FormatStyle(timeZone: timeZone).format(date)
        return written.prefix(19) == text.prefix(19) ? date : nil
    }
}
