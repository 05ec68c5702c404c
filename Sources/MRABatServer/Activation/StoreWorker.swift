import Dispatch
import MRABatKit
import Synchronization

/// Runs the store's blocking calls on one thread of its own, off Swift's cooperative pool, and
/// batches concurrent activation writes into one transaction (group commit).
///
/// The store is one SQLite connection (every access serialised) with `synchronous=FULL`, so each
/// transaction costs an fsync. While one batch commits, writes that arrive queue up; the next batch
/// takes them all (up to ``maxBatch``), so under load the fsyncs per activation fall towards zero
/// while a lone activation still commits at once.
final class StoreWorker: Sendable {
    let store: Store
    private let queue = DispatchQueue(label: "mrabat.serve.store", qos: .userInitiated)
    private let maxBatch = 256

    private struct Pending {
        var writes: [(ActivationWrite, CheckedContinuation<ActivationWriteResult, any Error>)] = []
        var flushing = false
    }
    private let pending = Mutex(Pending())
    /// Called after each batch with its size, for the metrics.
    private let onBatch: @Sendable (Int) -> Void

    init(store: Store, onBatch: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.store = store
        self.onBatch = onBatch
    }

    /// Runs `body` on the store thread.
    func run<T: Sendable>(_ body: @escaping @Sendable (Store) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { [store] in continuation.resume(with: Result { try body(store) }) }
        }
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
            if start { queue.async { self.flush() } }
        }
    }

    /// Commits one batch, then yields the store thread to queued reads before the next batch.
    private func flush() {
        let batch = pending.withLock { state in
            let count = min(state.writes.count, maxBatch)
            let batch = Array(state.writes.prefix(count))
            state.writes.removeFirst(count)
            return batch
        }
        if !batch.isEmpty {
            let results = store.commitActivations(batch.map(\.0))
            onBatch(batch.count)
            for (item, result) in zip(batch, results) { item.1.resume(with: result) }
        }
        let more = pending.withLock { state in
            if state.writes.isEmpty { state.flushing = false }
            return !state.writes.isEmpty
        }
        if more { queue.async { self.flush() } }
    }
}
