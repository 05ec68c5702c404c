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

    /// `mrabat_<metric>_<unit>`, the name swift-prometheus joins from a descriptor's parts.
    private static func name(_ metric: String, _ unit: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "mrabat", metricName: metric, unitName: unit, helpText: help)
    }

    init() {
        let buckets: [Duration] = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        ]
        startDuration = registry.makeDurationHistogram(
            descriptor: Self.name(
                "activation_start_duration", "seconds", help: "Time to answer POST /activation/v1/start"),
            buckets: buckets)
        finishDuration = registry.makeDurationHistogram(
            descriptor: Self.name(
                "activation_finish_duration", "seconds",
                help: "Time to answer POST /activation/v1/finish, commit included"), buckets: buckets)
        batches = registry.makeCounter(
            descriptor: Self.name(
                "store_batches", "total", help: "Store transactions of activation writes (group commits)"))
        batchedWrites = registry.makeCounter(
            descriptor: Self.name(
                "store_batched_writes", "total", help: "Activation writes committed in those transactions"))
        openSessions = registry.makeGauge(
            descriptor: Self.name("activation_sessions", "open", help: "Open start→finish sessions"))
    }

    func started(_ outcome: String, _ duration: Duration) {
        registry.makeCounter(
            descriptor: Self.name("activation_starts", "total", help: "POST /activation/v1/start by outcome"),
            labels: [("outcome", outcome)]
        ).increment()
        startDuration.record(duration)
    }

    func finished(_ outcome: String, _ duration: Duration) {
        registry.makeCounter(
            descriptor: Self.name("activation_finishes", "total", help: "POST /activation/v1/finish by outcome"),
            labels: [("outcome", outcome)]
        ).increment()
        finishDuration.record(duration)
    }

    func limited(_ scope: String) {
        registry.makeCounter(
            descriptor: Self.name(
                "guess_limited", "total", help: "Requests refused with 429, by the limit that was reached"),
            labels: [("scope", scope)]
        ).increment()
    }

    func configRequest(_ status: Int) {
        registry.makeCounter(
            descriptor: Self.name("config_requests", "total", help: "Config file requests by HTTP status"),
            labels: [("status", String(status))]
        ).increment()
    }

    func selfCare(_ event: String) {
        registry.makeCounter(
            descriptor: Self.name("selfcare_events", "total", help: "Self-Care logins, pages, logouts"),
            labels: [("event", event)]
        ).increment()
    }

    func batch(_ size: Int) {
        batches.increment()
        batchedWrites.increment(by: Int64(size))
    }

    func sessions(_ count: Int) { openSessions.set(Double(count)) }

    func text() -> [UInt8] { registry.emitToBuffer() }
}
