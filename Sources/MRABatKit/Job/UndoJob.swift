import Foundation

/// `mrabat undo N`: reverses committed job `N` in one transaction — removes the devices it created,
/// restores the fields it changed, brings back the devices it removed — then brings the config files
/// in line.
///
/// It refuses, naming every such device and changing nothing, when a phone activated as one of the
/// job's devices since (its name, MAC and code are the phone's now), when a later job created,
/// changed or removed one, or when what it would bring back is taken (another device has the name,
/// MAC or owner, model and first line now). An undo is a job like any other: `jobs` lists it, and it
/// can itself be undone. Run again on a job it undid, it only brings the config files in line again.
package enum UndoJob {
    /// At most this many refused devices are named; the message counts the rest.
    static let namedRefusals = 20

    /// Reverses job `jobID`.
    /// - Throws: ``MRABatError`` `.notFound` for an unknown job; `.validation` naming the devices when
    ///   the job cannot be undone (nothing changed then); store errors.
    package static func run(store: any Store, jobID: Int64, outDirectory: String?, jobs: Int, now: Date)
        async throws -> JobSummary
    {
        // A store that runs jobs at once (PostgreSQL) rolls the undo back when another job changed one
        // of its devices meanwhile; run again, it sees that job (and refuses, naming it).
        try await StoreConflict.retrying(at: nil) {
            try await runOnce(store: store, jobID: jobID, outDirectory: outDirectory, jobs: jobs, now: now)
        }
    }

    /// One attempt at the undo, in one transaction.
    static func runOnce(store: any Store, jobID: Int64, outDirectory: String?, jobs: Int, now: Date)
        async throws -> JobSummary
    {
        var clock = StageClock()
        guard let job = try await store.job(id: jobID) else {
            throw MRABatError(.notFound, "there is no job \(jobID); `mrabat jobs` lists them", value: String(jobID))
        }
        let cluster = try await store.loadCluster()
        let outputs = try outDirectory.map { try OutputDirectory(path: $0) }
        var summary = JobSummary(input: "job \(jobID)", template: job.template, encoding: "", delimiter: "")
        summary.kind = JobKind.undo.rawValue
        summary.undoes = jobID
        if let undoneBy = job.undoneBy {
            // Already undone: finish that undo's outputs (a run killed after its commit) and say so.
            summary.jobID = undoneBy
            summary.committed = true
            summary.warnings.append("job \(jobID) was undone by job \(undoneBy) already; nothing more to undo")
            if let outputs {
                try await JobOutputs.emitChanges(
                    jobID: undoneBy, store: store, cluster: cluster, outputs: outputs, jobs: jobs, summary: &summary,
                    clock: &clock, codes: nil)
            }
            try JobOutputs.finish(rejects: nil, outputs: outputs, summary: &summary, clock: clock)
            return summary
        }
        let writer = try await store.beginJob(
            kind: JobKind.undo.rawValue, input: "job \(jobID)", template: job.template, now: now)
        summary.jobID = writer.jobID
        do {
            var refusals: [String] = []
            // Removals first, then restores, then devices brought back: a device the job created may
            // hold what a device it changed or removed had before (its old first line, say).
            for phase in [JobRowOutcome.accepted, .updated, .deleted] {
                var after = 0
                while true {
                    let page = try await clock.time(.store) {
                        try await writer.undoCandidates(jobID: jobID, afterLine: after, limit: 1024)
                    }
                    guard let last = page.last else { break }
                    after = last.line
                    let rows = page.filter { $0.outcome == phase }
                    refusals += try await clock.time(.store) {
                        try await reverse(rows, of: jobID, writer: writer, summary: &summary, now: now)
                    }
                }
            }
            guard refusals.isEmpty else {
                let named = refusals.prefix(namedRefusals).joined(separator: "; ")
                let more = refusals.count > namedRefusals ? "; and \(refusals.count - namedRefusals) more" : ""
                throw MRABatError(
                    .validation,
                    "job \(jobID) cannot be undone, nothing was changed: \(named)\(more)", value: String(jobID))
            }
            summary.committed = true
            summary.stageSeconds = clock.seconds
            summary.totalSeconds = clock.totalSeconds
            let final = summary
            try await clock.time(.store) { try await writer.commit(summary: final, now: Date()) }
        } catch {
            try? await writer.rollback()
            throw error
        }
        if let outputs, let undo = summary.jobID {
            try await JobOutputs.emitChanges(
                jobID: undo, store: store, cluster: cluster, outputs: outputs, jobs: jobs, summary: &summary,
                clock: &clock, codes: nil)
        }
        try JobOutputs.finish(rejects: nil, outputs: outputs, summary: &summary, clock: clock)
        return summary
    }

    /// Reverses one page of the job's rows, unless something refuses; returns the refusals.
    static func reverse(
        _ page: [UndoCandidate], of jobID: Int64, writer: any JobWriter, summary: inout JobSummary, now: Date
    ) async throws -> [String] {
        var refusals: [String] = []
        var removals: [(line: Int, deviceID: Int64)] = []
        var restores: [DeviceUpdate] = []
        var recreations: [(line: Int, snapshot: DeviceSnapshot)] = []
        let note = "undo of job \(jobID)"
        for candidate in page {
            let name = candidate.current?.name ?? candidate.deviceName
            if let later = candidate.laterJob {
                refusals.append("\(name) was \(candidate.current == nil ? "removed" : "changed") by job \(later) since")
                continue
            }
            if candidate.activatedSince {
                refusals.append("\(name) was activated since")
                continue
            }
            switch candidate.outcome {
            case .accepted:
                guard candidate.current != nil else {
                    refusals.append("\(name) no longer exists")
                    continue
                }
                removals.append((candidate.line, candidate.deviceID))
            case .updated:
                guard let current = candidate.current, let before = candidate.before else {
                    refusals.append("\(name) no longer exists")
                    continue
                }
                if let taken = try await taken(by: before, other: candidate.deviceID, writer: writer) {
                    refusals.append("\(name) cannot be restored: \(taken)")
                    continue
                }
                var changes: [FieldChange] = []
                if current.mac != before.mac {
                    changes.append(FieldChange(field: "MAC ADDRESS", old: current.mac, new: before.mac))
                }
                if current.name != before.name {
                    changes.append(FieldChange(field: "DEVICE NAME", old: current.name, new: before.name))
                }
                changes += current.attributes.changes(to: before.attributes)
                restores.append(
                    DeviceUpdate(
                        line: candidate.line, deviceID: candidate.deviceID, previousName: current.name,
                        name: before.name, mac: before.mac, naturalKey: before.naturalKey,
                        attributes: before.attributes, templateName: before.templateName, changes: changes,
                        note: note))
            case .deleted:
                guard let before = candidate.before, candidate.current == nil else {
                    refusals.append("\(name) exists again")
                    continue
                }
                if let taken = try await taken(by: before, other: nil, writer: writer) {
                    refusals.append("\(name) cannot come back: \(taken)")
                    continue
                }
                recreations.append((candidate.line, before))
            case .unchanged, .rejected:
                continue
            }
        }
        guard refusals.isEmpty else { return refusals }
        try await writer.delete(removals, note: note, now: now)
        try await writer.update(restores, now: now)
        try await writer.recreate(recreations, note: note, now: now)
        summary.deleted += removals.count
        summary.updated += restores.count
        summary.accepted += recreations.count
        summary.rows += removals.count + restores.count + recreations.count
        return []
    }

    /// What, if anything, holds the name, MAC, natural key or outstanding code `snapshot` would take
    /// back (devices other than `other`).
    static func taken(by snapshot: DeviceSnapshot, other: Int64?, writer: any JobWriter) async throws -> String? {
        let key: NaturalKey =
            snapshot.naturalKey.hasPrefix("mac:")
            ? .mac(String(snapshot.naturalKey.dropFirst(4))) : NaturalKey(mac: nil, attributes: snapshot.attributes)
        let holders =
            try await writer.devices(named: [snapshot.name])
            + writer.existingDevices(keys: [key], macs: snapshot.mac.map { [$0] } ?? [], names: [])
        if let holder = holders.first(where: { $0.device.id != other && $0.device.id != snapshot.id }) {
            if holder.device.name == snapshot.name { return "device \(holder.device.name) has that name now" }
            if let mac = snapshot.mac, holder.device.mac == mac {
                return "device \(holder.device.name) has its MAC \(mac) now"
            }
            return "device \(holder.device.name) has its owner, model and first line now"
        }
        if let code = snapshot.outstandingCode, other == nil,
            try await !writer.outstandingIdentities(among: [code.identity]).isEmpty
        {
            return "another device's outstanding code has the same identity"
        }
        return nil
    }
}
