/// A chunk's codes are computed on all cores while the previous chunk is written and the next one
/// read and checked: the verifiers dominate, so everything else hides behind them.
///
/// One chunk's codes are in flight at a time, so `--jobs` bounds all issuance. Whatever goes
/// wrong, ``cancel()`` must run before the error ends the process: an issuance task may still be in
/// OpenSSL, and the process's exit handlers tear OpenSSL down under it.
struct CodePipeline {
    /// A chunk sorted into rows to create, unchanged and rejected.
    typealias Chunk = StoreReconciler.Outcome

    /// A chunk with its new devices' code secrets, in order, ready to write.
    struct Ready: Sendable {
        var chunk: Chunk
        var secrets: [IssuedCodeSecrets]
        var interval: Range<ContinuousClock.Instant>?
    }

    private typealias Issued = ([IssuedCodeSecrets], Range<ContinuousClock.Instant>)
    private let vault: CodeVault?
    private let jobs: Int
    private var pending: (chunk: Chunk, codes: Task<Issued, Error>?)?

    /// - Parameter vault: nil for a dry run: no codes are issued.
    init(vault: CodeVault?, jobs: Int) {
        self.vault = vault
        self.jobs = jobs
    }

    /// Starts `chunk`'s codes and hands back the previous chunk, its codes done.
    mutating func submit(_ chunk: Chunk) async throws -> Ready? {
        let previous = try await takePending()
        let codes = vault.map { vault in
            Task { [count = chunk.fresh.count, jobs] in
                let start = ContinuousClock.now
                let secrets = try await CodeIssuer.issue(count: count, vault: vault, jobs: jobs)
                return (secrets, start..<ContinuousClock.now)
            }
        }
        pending = (chunk, codes)
        return previous
    }

    /// The last chunk, its codes done.
    mutating func finish() async throws -> Ready? { try await takePending() }

    /// Stops the chunk in flight and waits until its task has ended.
    mutating func cancel() async {
        guard let codes = pending?.codes else { return }
        pending = nil
        codes.cancel()
        _ = try? await codes.value
    }

    private mutating func takePending() async throws -> Ready? {
        guard let (chunk, codes) = pending else { return nil }
        guard let codes else {
            pending = nil
            return Ready(chunk: chunk, secrets: [], interval: nil)
        }
        // Still pending while awaited, so that cancel() waits for it if this throws.
        let (secrets, interval) = try await codes.value
        pending = nil
        return Ready(chunk: chunk, secrets: secrets, interval: interval)
    }
}
