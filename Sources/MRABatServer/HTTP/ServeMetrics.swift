import Prometheus

/// What `GET /metrics` reports (Prometheus text format), one registry per server.
///
/// Labels carry outcomes and refusal tags only — never an identity, a MAC, a code or a proof.
final class ServeMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()

    private let finishDuration: DurationHistogram
    private let startDuration: DurationHistogram
    private let batches: Counter
    private let batchedWrites: Counter
    private let openSessions: Gauge

    init() {
        let buckets: [Duration] = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        ]
        startDuration = registry.makeDurationHistogram(
            name: "mrabat_activation_start_duration_seconds", buckets: buckets,
            help: "Time to answer POST /activation/v1/start")
        finishDuration = registry.makeDurationHistogram(
            name: "mrabat_activation_finish_duration_seconds", buckets: buckets,
            help: "Time to answer POST /activation/v1/finish, commit included")
        batches = registry.makeCounter(
            name: "mrabat_store_batches_total", help: "Store transactions of activation writes (group commits)")
        batchedWrites = registry.makeCounter(
            name: "mrabat_store_batched_writes_total", help: "Activation writes committed in those transactions")
        openSessions = registry.makeGauge(name: "mrabat_activation_sessions_open", help: "Open start→finish sessions")
    }

    func started(_ outcome: String, _ duration: Duration) {
        registry.makeCounter(
            name: "mrabat_activation_starts_total", labels: [("outcome", outcome)],
            help: "POST /activation/v1/start by outcome"
        ).increment()
        startDuration.record(duration)
    }

    func finished(_ outcome: String, _ duration: Duration) {
        registry.makeCounter(
            name: "mrabat_activation_finishes_total", labels: [("outcome", outcome)],
            help: "POST /activation/v1/finish by outcome"
        ).increment()
        finishDuration.record(duration)
    }

    func limited(_ scope: String) {
        registry.makeCounter(
            name: "mrabat_guess_limited_total", labels: [("scope", scope)],
            help: "Requests refused with 429, by the limit that was reached"
        ).increment()
    }

    func configRequest(_ status: Int) {
        registry.makeCounter(
            name: "mrabat_config_requests_total", labels: [("status", String(status))],
            help: "Config file requests by HTTP status"
        ).increment()
    }

    func selfCare(_ event: String) {
        registry.makeCounter(
            name: "mrabat_selfcare_events_total", labels: [("event", event)], help: "Self-Care logins, pages, logouts"
        ).increment()
    }

    func batch(_ size: Int) {
        batches.increment()
        batchedWrites.increment(by: Int64(size))
    }

    func sessions(_ count: Int) { openSessions.set(Double(count)) }

    func text() -> [UInt8] { registry.emitToBuffer() }
}
