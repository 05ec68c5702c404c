import MRABatKit
import Synchronization

/// Batches concurrent activation writes into one store transaction (group commit).
///
/// Each transaction costs a durable commit (an fsync). While one batch commits, writes that arrive
/// queue up; the next batch takes them all (up to ``maxBatch``), so under load the commits per
/// activation fall towards zero while a lone activation still commits at once.
final class StoreWorker: Sendable {
    let store: any Store
    private let maxBatch = 256

    private struct Pending {
        var writes: [(ActivationWrite, CheckedContinuation<ActivationWriteResult, any Error>)] = []
        var flushing = false
    }
    private let pending = Mutex(Pending())
    /// Called after each batch with its size, for the metrics.
    private let onBatch: @Sendable (Int) -> Void

    init(store: any Store, onBatch: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.store = store
        self.onBatch = onBatch
    }

    /// Applies `write` in the next batch and returns its result once that batch is durable.
    func commit(_ write: ActivationWrite) async throws -> ActivationWriteResult {
        try await withCheckedThrowingContinuation { continuation in
            let start = pending.withLock { state in
                state.writes.append((write, continuation))
                if state.flushing { return false }
                state.flushing = true
                return true
            }
            if start { Task { await self.flush() } }
        }
    }

    /// Commits batches until no write is waiting.
    private func flush() async {
        while true {
            let batch = pending.withLock { state in
                let count = min(state.writes.count, maxBatch)
                let batch = Array(state.writes.prefix(count))
                state.writes.removeFirst(count)
                if batch.isEmpty { state.flushing = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            let results = await store.commitActivations(batch.map(\.0))
            onBatch(batch.count)
            for (item, result) in zip(batch, results) { item.1.resume(with: result) }
        }
    }
}
