/// Issues activation codes on all cores.
///
/// The verifier (one 2048-bit modular exponentiation) dominates; the work is split into slices
/// run by a task group that keeps at most `jobs` slices in flight and returns plain values to
/// one collector, in order.
package enum CodeIssuer {
    /// Secrets for `count` fresh codes. The plaintext codes are dropped once sealed.
    package static func issue(count: Int, vault: CodeVault, jobs: Int) async throws -> [IssuedCodeSecrets] {
        guard count > 0 else { return [] }
        let jobs = max(1, jobs)
        // Many small slices (about 64 codes, ~20 ms) keep every core busy to the end of a chunk:
        // with 4 slices per task a core idled up to 0.15 s at the end of every 4096-row chunk.
        let sliceCount = min(count, max(jobs * 4, count / 64))
        let sliceSize = (count + sliceCount - 1) / sliceCount
        let slices = stride(from: 0, to: count, by: sliceSize).map { $0..<min($0 + sliceSize, count) }
        var results = [[IssuedCodeSecrets]](repeating: [], count: slices.count)
        try await withThrowingTaskGroup(of: (Int, [IssuedCodeSecrets]).self) { group in
            var next = 0
            func add() {
                let index = next
                let size = slices[index].count
                next += 1
                group.addTask {
                    try Task.checkCancellation()
                    let codes = try ActivationCode.generate(count: size)
                    return (index, try codes.map { try IssuedCodeSecrets.issue(code: $0, vault: vault) })
                }
            }
            while next < min(jobs, slices.count) { add() }
            for try await (index, secrets) in group {
                results[index] = secrets
                if next < slices.count { add() }
            }
        }
        return results.flatMap { $0 }
    }
}
