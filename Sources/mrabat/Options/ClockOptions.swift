import ArgumentParser
import Foundation

/// `--now`: the instant a command takes as the current time, for tests and for operators who
/// need to see what a command would do at another time.
struct ClockOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Take this ISO 8601 instant as the current time, e.g. 2026-03-01T08:00:00Z (default: the clock).",
            valueName: "instant"))
    var now: Instant?

    /// `--now`, or the system clock when it is not given.
    var date: Date { now?.date ?? Date() }
}
