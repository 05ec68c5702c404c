import ServiceLifecycle

/// Drops expired activation sessions every few seconds, until graceful shutdown.
struct SessionSweeper: Service {
    let sessions: ActivationSessions
    let metrics: ServeMetrics

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(5))
                sessions.sweep()
                metrics.sessions(sessions.count)
            }
        }
    }
}
