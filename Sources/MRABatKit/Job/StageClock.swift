/// The stages a job reports times for, in the order the summary prints them.
package enum JobStage: String, Sendable, CaseIterable, Codable {
    case readValidate = "read+validate"
    case naming, codes, store, tftp, export
}

/// Time spent per stage of one job: the one place jobs measure themselves.
///
/// Most stages run one after another on the job's task and add up; code issuance runs beside them
/// on other cores, so its time is the union of its (overlapping) intervals.
struct StageClock {
    private let clock = ContinuousClock()
    let started: ContinuousClock.Instant
    private var spent: [JobStage: Duration] = [:]
    private var codeIntervals: [Range<ContinuousClock.Instant>] = []

    init() { started = clock.now }

    /// Runs `body`, adding its time to `stage`.
    mutating func time<T>(_ stage: JobStage, _ body: () async throws -> T) async rethrows -> T {
        let start = clock.now
        defer { spent[stage, default: .zero] += clock.now - start }
        return try await body()
    }

    /// Adds `duration`, measured elsewhere (a task of its own), to `stage`.
    mutating func add(_ stage: JobStage, _ duration: Duration) { spent[stage, default: .zero] += duration }

    /// Records one interval during which codes were being computed.
    mutating func codesRan(_ interval: Range<ContinuousClock.Instant>) { codeIntervals.append(interval) }

    /// Seconds per stage so far.
    var seconds: [String: Double] {
        var result = Dictionary(uniqueKeysWithValues: spent.map { ($0.key.rawValue, Self.seconds($0.value)) })
        if !codeIntervals.isEmpty { result[JobStage.codes.rawValue] = Self.seconds(Self.unionLength(codeIntervals)) }
        return result
    }

    var totalSeconds: Double { Self.seconds(clock.now - started) }

    /// Total time covered by possibly overlapping intervals.
    static func unionLength(_ intervals: [Range<ContinuousClock.Instant>]) -> Duration {
        var total = Duration.zero
        var current: Range<ContinuousClock.Instant>?
        for interval in intervals.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let open = current, interval.lowerBound <= open.upperBound {
                current = open.lowerBound..<max(open.upperBound, interval.upperBound)
            } else {
                if let open = current { total += open.upperBound - open.lowerBound }
                current = interval
            }
        }
        if let open = current { total += open.upperBound - open.lowerBound }
        return total
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
