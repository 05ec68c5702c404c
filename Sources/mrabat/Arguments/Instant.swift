import ArgumentParser
import Foundation
import MRABatKit

/// `--now`: an ISO 8601 instant with its zone (`2026-03-01T08:00:00Z`, `2026-03-01T09:00:00+01:00`).
struct Instant: ExpressibleByArgument, Equatable {
    let date: Date

    init?(argument: String) {
        guard let date = AuditTime.parse(argument) else { return nil }
        self.date = date
    }
}
