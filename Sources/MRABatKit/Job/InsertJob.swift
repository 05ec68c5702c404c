import Foundation

/// The BAT insert pipeline: read → merge with template → validate → name → issue codes in
/// parallel → write in one transaction → emit outputs from what was committed.
package enum InsertJob {
    /// Runs the pipeline.
    ///
    /// Rows stream through in chunks of ``InsertOptions/chunkSize``: each chunk is checked on its own
    /// and against the store, named, given codes on all cores and written into the job's one open
    /// transaction. Only after the commit is durable are the config files and the code export
    /// written, read back from the store page by page, so a crash never leaves users holding codes
    /// the store does not know.
    ///
    /// - Parameter store: nil only for a dry run against ``InsertOptions/cluster`` with no store yet.
    /// - Returns: the summary; `rejected > 0` means exit status 1; ``JobSummary/outputFailure`` set
    ///   means the job is committed but an output could not be written (a re-run finishes it).
    /// - Throws: ``MRABatError`` for anything fatal (bad template, unreadable or malformed file,
    ///   store busy, `--max-errors`); then nothing was committed.
    /// With ``InsertOptions/kind`` `update` it is the nightly command: rows that match a provisioned
    /// device change it (written as soon as their chunk is reconciled, so later chunks see them), the
    /// others are created; `plan` is that run with ``InsertOptions/dryRun``, handing each chunk's
    /// decisions to `plan` in line order.
    package static func run(
        store: (any Store)?, options: InsertOptions, progress: (@Sendable (JobSummary) -> Void)? = nil,
        plan: (([PlanRow]) throws -> Void)? = nil
    ) async throws -> JobSummary {
        // A store that runs jobs at once (PostgreSQL) rolls a job back when another one committed a
        // device it was about to create; run again, it finds that device (unchanged, or a conflict).
        // Each retry follows another job's commit (or a deadlock the database broke), so a few suffice.
        try await StoreConflict.retrying(at: SourceLocation(file: options.csvPath)) {
            try await runOnce(store: store, options: options, progress: progress, plan: plan)
        }
    }

    /// How many times a job starts over after a concurrent job's conflicting commit.
    package static let maxAttempts = 8

    /// One attempt at the pipeline, in one transaction.
    static func runOnce(
        store: (any Store)?, options: InsertOptions, progress: (@Sendable (JobSummary) -> Void)?,
        plan: (([PlanRow]) throws -> Void)?
    ) async throws -> JobSummary {
        var clock = StageClock()
        let cluster = try await loadCluster(store: store, options: options)
        let template = try loadTemplate(options: options, cluster: cluster)
        // The key before anything is written: a wrong or missing key file stops the job here.
        let writing = options.dryRun ? nil : store
        var vault: CodeVault?
        if let writing { vault = try await CodeVault.open(for: writing, keyFile: options.keyFile, now: options.now) }
        var input = try BATInput(
            path: options.csvPath, encoding: options.encoding, delimiter: options.delimiter,
            mapping: options.columnMapping, required: requiredColumns(template), sheet: options.sheet)
        let cells = input.cells
        var summary = JobSummary(opened: input, options: options)
        let updating = options.kind == .update
        summary.kind = options.dryRun && updating ? "plan" : options.kind.rawValue
        let validator = RowValidator(
            cluster: cluster, template: template, header: input.header, headerNames: input.headerFields)
        let outputs = try options.outDirectory.map { try OutputDirectory(path: $0) }
        let rejects = try outputs.map {
            try RejectsWriter(path: $0.rejectsPath, headerFields: input.headerFields, delimiter: input.delimiter)
        }
        var writer: (any JobWriter)?
        if let writing {
            writer = try await writing.beginJob(
                kind: options.kind.rawValue, input: options.csvPath, template: template.name, now: options.now)
        }
        summary.jobID = writer?.jobID
        var checker = ChunkChecker(validator: validator, file: options.csvPath, cells: cells)
        var reconciler = StoreReconciler(validator: validator)
        if updating { reconciler.mode = .update(createsNew: !options.existingOnly) }
        var lookup = DeviceLookup(writer: writer, store: store, plan: updating)
        var namer = DeviceNamer()
        var codes = CodePipeline(vault: vault, jobs: options.jobs)
        let expiry = options.now.addingTimeInterval(TimeInterval(cluster.enterprise.activationTTLHours) * 3600)

        func write(_ ready: CodePipeline.Ready) async throws {
            if let interval = ready.interval { clock.codesRan(interval) }
            var rejected = ready.chunk.rejected.sorted { $0.line < $1.line }
            if let cells { rejected = cells.locate(rejected) }
            if let writer, let vault {
                try await clock.time(.store) {
                    try await ChunkWriter.write(
                        ready, rejected: rejected, to: writer, vault: vault, issuedAt: options.now, expiresAt: expiry)
                }
            }
            try rejects?.write(rejected)
            summary.count(ready.chunk, rejected: rejected)
            progress?(summary)
            try checkMaxErrors(summary, options: options, rejects: rejects)
        }

        // The rest of a chunk's way once it is sorted against the store: named, claimed (`update`),
        // shown (`plan`), given codes and written.
        func proceed(_ sorted: StoreReconciler.Outcome, existing: [ExistingDevice]) async throws {
            var chunk = sorted
            lookup.note(chunk, existing: existing)
            if let writer {
                try await clock.time(.naming) { try await namer.name(&chunk.fresh, taken: writer.takenNames) }
                // The chunk before the previous one is in the store now (validate keeps all).
                checker.forgetWritten()
                namer.forgetWritten()
                if updating {
                    // The next chunk must see these devices as changed and matched.
                    try await clock.time(.store) {
                        try await writer.update(chunk.updated, now: options.now)
                        try await writer.recordUnchanged(chunk.unchanged)
                    }
                    chunk.claimsRecorded = true
                }
            } else if updating {
                // `plan` forgets as `update` does, so that both find in-file duplicates alike.
                checker.forgetWritten()
            }
            try plan?(PlanRow.rows(of: chunk))
            if let ready = try await codes.submit(chunk) { try await write(ready) }
            // `update` writes each chunk's new devices before reading the next: a row may match a
            // device an earlier row created by any of its names, not only by the key the checker holds.
            if updating, let ready = try await codes.finish() { try await write(ready) }
        }

        // `validate` writes nothing and changes nothing, so a chunk's store lookup does not depend on
        // the chunk before it: it runs on the store's connection while the next chunk is read and
        // checked (a 100k-row re-run's lookups are as long as its reading and checking).
        let overlapsLookups = writer == nil && !updating
        typealias Sorted = (outcome: StoreReconciler.Outcome, existing: [ExistingDevice], took: Duration)
        var lookingUp: Task<Sorted, Error>?
        func settleLookup() async throws {
            guard let task = lookingUp else { return }
            lookingUp = nil
            let sorted = try await task.value
            clock.add(.store, sorted.took)
            try await proceed(sorted.outcome, existing: sorted.existing)
        }

        do {
            while true {
                let records = try await clock.time(.readValidate) { try input.next(count: options.chunkSize) }
                guard !records.isEmpty else { break }
                summary.rows += records.count
                let checked = await clock.time(.readValidate) { checker.check(records) }
                summary.note(warnings: checked.warnings)
                if overlapsLookups {
                    let next = Task { [reconciler, lookup] () async throws -> Sorted in
                        let start = ContinuousClock.now
                        let (outcome, existing) = try await InsertJob.reconcile(checked, records, reconciler, lookup)
                        return (outcome, existing, ContinuousClock.now - start)
                    }
                    try await settleLookup()
                    lookingUp = next
                    continue
                }
                let (chunk, existing) = try await clock.time(.store) {
                    try await reconcile(checked, records, reconciler, lookup)
                }
                try await proceed(chunk, existing: existing)
            }
            try await settleLookup()
            if let last = try await codes.finish() { try await write(last) }
            guard summary.rows > 0 else {
                throw MRABatError(
                    .csvStructure,
                    input.sheet == nil ? "the file has a header but no rows" : "the sheet has a header but no rows",
                    at: input.location(line: input.headerLine))
            }
            try await finishTransaction(writer, &summary, &clock, options: options)
        } catch {
            lookingUp?.cancel()
            _ = try? await lookingUp?.value
            await codes.cancel()
            try? await writer?.rollback()
            throw error
        }
        if let outputs, let writing, let vault, let jobID = summary.jobID, summary.committed, updating {
            try await JobOutputs.emitChanges(
                jobID: jobID, store: writing, cluster: cluster, outputs: outputs, jobs: options.jobs,
                summary: &summary, clock: &clock, codes: (vault, options.now))
        } else if let outputs, let writing, let vault, let jobID = summary.jobID, summary.committed {
            try await JobOutputs.emit(
                jobID: jobID, store: writing, vault: vault, cluster: cluster, outputs: outputs, options: options,
                summary: &summary, clock: &clock)
        }
        try JobOutputs.finish(rejects: rejects, outputs: outputs, summary: &summary, clock: clock)
        return summary
    }
}
