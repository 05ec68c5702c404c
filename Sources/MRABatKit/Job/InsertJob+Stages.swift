import Foundation

extension InsertJob {
    /// The cluster the job validates against: `--cluster`'s for `validate`, else the store's.
    static func loadCluster(store: (any Store)?, options: InsertOptions) async throws -> ClusterConfig {
        if let cluster = options.cluster { return cluster }
        guard let store else {
            throw MRABatError(.config, "no cluster configuration: run `mrabat init --cluster FILE` or pass --cluster")
        }
        return try await store.loadCluster()
    }

    /// The phone template, which must set both activation flags for MRA onboarding.
    static func loadTemplate(options: InsertOptions, cluster: ClusterConfig) throws -> PhoneTemplate {
        let template = try PhoneTemplate.load(path: options.templatePath, cluster: cluster)
        guard template.requiresActivationCodeOnboarding && template.allowActivationCodeViaMRA else {
            throw MRABatError(
                .template,
                "template \"\(template.name)\" must set both requiresActivationCodeOnboarding and "
                    + "allowActivationCodeViaMRA to true for MRA onboarding",
                at: SourceLocation(file: options.templatePath))
        }
        return template
    }

    /// The columns the template cannot stand in for: they must be in the file.
    ///
    /// The owner is not among them: it may come from `OWNER USER ID` or `USER ID` (BAT's default
    /// format has only the latter, its custom format neither), so a row without one is rejected on
    /// its own, and a Cisco-format file loads with every row reported rather than not at all.
    static func requiredColumns(_ template: PhoneTemplate) -> Set<BATColumn> {
        var required: Set<BATColumn> = [.directoryNumber(1)]
        if template.model == nil { required.insert(.deviceType) }
        if template.devicePool == nil { required.insert(.devicePool) }
        return required
    }

    /// Sorts a checked chunk against the store (as the job's own writes have left it): new, unchanged,
    /// updated, or rejected (conflict, MAC in use, duplicate of a row this job already wrote).
    /// - Returns: the outcome, and the devices the store had for the chunk (`plan` notes them).
    static func reconcile(
        _ checked: ChunkChecker.Checked, _ records: [CSVRecord], _ reconciler: StoreReconciler,
        _ lookup: DeviceLookup
    ) async throws -> (StoreReconciler.Outcome, [ExistingDevice]) {
        var keys = checked.drafts.map(\.naturalKey)
        if reconciler.mode != .insert {
            // A row with a MAC may be the phone provisioned without one (or, activated, that owns it now).
            keys += checked.drafts.filter { $0.mac != nil }.map(\.rowKey)
        }
        let macs = checked.drafts.compactMap { $0.mac?.hex }
        let names = checked.drafts.compactMap(\.requestedName)
        let existing = try await lookup.existing(keys: keys, macs: macs, names: names)
        let linesInThisJob = try await lookup.claimedLines(existing.map(\.device.id))
        // A rejected row's fields, found when one is rejected (records are in line order).
        func fields(_ line: Int) -> [String] {
            var low = 0
            var high = records.count
            while low < high {
                let middle = (low + high) / 2
                if records[middle].line < line { low = middle + 1 } else { high = middle }
            }
            return low < records.count && records[low].line == line ? records[low].fields : []
        }
        var outcome = reconciler.reconcile(
            checked.drafts, existing: existing, linesInThisJob: linesInThisJob, fields: fields)
        outcome.rejected += checked.rejected
        return (outcome, existing)
    }

    /// Abandons the job, committing nothing, once more rows are rejected than `--max-errors` allows.
    static func checkMaxErrors(_ summary: JobSummary, options: InsertOptions, rejects: RejectsWriter?) throws {
        guard let maxErrors = options.maxErrors, summary.rejected > maxErrors else { return }
        try rejects?.commit()
        throw MRABatError(
            .tooManyErrors,
            "aborted after \(summary.rows) rows: \(summary.rejected) rejected, more than --max-errors \(maxErrors); "
                + "nothing was committed" + (rejects == nil ? "" : "; the rejected rows so far are in rejects.csv"),
            at: SourceLocation(file: options.csvPath))
    }

    /// Commits the job's transaction, or rolls it back under `--all-or-nothing` when a row was rejected.
    static func finishTransaction(
        _ writer: (any JobWriter)?, _ summary: inout JobSummary, _ clock: inout StageClock, options: InsertOptions
    ) async throws {
        guard let writer else { return }
        if options.allOrNothing && summary.rejected > 0 {
            try await writer.rollback()
            summary.warnings.append("--all-or-nothing: \(summary.rejected) row(s) rejected, nothing committed")
            return
        }
        summary.stageSeconds = clock.seconds
        summary.totalSeconds = clock.totalSeconds
        summary.committed = true
        let final = summary
        try await clock.time(.store) { try await writer.commit(summary: final, now: Date()) }
    }
}

/// Writes one chunk, its codes computed, into the job's transaction.
enum ChunkWriter {
    static func write(
        _ ready: CodePipeline.Ready, rejected: [RowRejection], to writer: any JobWriter, vault: CodeVault,
        issuedAt: Date, expiresAt: Date
    ) async throws {
        let secrets = try await uniqueIdentities(ready.secrets, writer: writer, vault: vault)
        try await writer.insert(
            zip(ready.chunk.fresh, secrets).map { NewDevice(draft: $0, secrets: $1) }, issuedAt: issuedAt,
            expiresAt: expiresAt)
        if !ready.chunk.claimsRecorded { try await writer.recordUnchanged(ready.chunk.unchanged) }
        try await writer.recordRejected(rejected)
    }

    /// `secrets` with any code whose identity an outstanding code (or an earlier one of the chunk)
    /// has replaced by a fresh one: the identity is a function of the code, so this keeps codes
    /// unique among outstanding ones (one collision in about 10^16 / outstanding codes).
    static func uniqueIdentities(_ secrets: [IssuedCodeSecrets], writer: any JobWriter, vault: CodeVault)
        async throws -> [IssuedCodeSecrets]
    {
        var secrets = secrets
        var taken = try await writer.outstandingIdentities(among: secrets.map(\.identity))
        var inChunk = Set<String>()
        for index in secrets.indices {
            while taken.contains(secrets[index].identity) || !inChunk.insert(secrets[index].identity).inserted {
                guard let fresh = try await CodeIssuer.issue(count: 1, vault: vault, jobs: 1).first else {
                    throw MRABatError(.internal, "code issuance returned no code")
                }
                secrets[index] = fresh
                taken = try await writer.outstandingIdentities(among: [fresh.identity])
            }
        }
        return secrets
    }
}
