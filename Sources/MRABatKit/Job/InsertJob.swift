import Foundation

/// What `insert` and `validate` are asked to do.
public struct InsertOptions: Sendable {
    public var csvPath: String
    public var templatePath: String
    /// Where outputs go; `validate` writes only `rejects.csv` there, and only when given.
    public var outDirectory: String?
    /// `validate`: run every check, write nothing to the store, issue no code.
    public var dryRun: Bool = false
    public var allOrNothing: Bool = false
    /// Parallel code-issuance tasks; defaults to the number of cores.
    public var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    public var encoding: TextEncoding?
    public var delimiter: UInt8?
    /// Rows per pipeline step: bounds memory, whatever the file's size.
    public var chunkSize: Int = 4096
    public var now: Date = Date()
    /// Validate against this configuration instead of the store's (`validate --cluster`).
    public var cluster: ClusterConfig?
    /// A legacy sheet's column names mapped to BAT column names (`--map`).
    public var columnMapping: [String: String] = [:]
    /// Abort, committing nothing, once more than this many rows are rejected (`--max-errors`).
    public var maxErrors: Int?

    public init(csvPath: String, templatePath: String, outDirectory: String?) {
        self.csvPath = csvPath
        self.templatePath = templatePath
        self.outDirectory = outDirectory
    }
}

/// A validated, named chunk waiting for its codes before it is written.
struct PendingChunk: Sendable {
    var fresh: [DeviceDraft]
    var unchanged: [(line: Int, deviceID: Int64)]
    var rejected: [RowRejection]
    var codes: Task<([IssuedCodeSecrets], Range<ContinuousClock.Instant>), Error>?
    /// The codes' result once awaited.
    var issued: ([IssuedCodeSecrets], Range<ContinuousClock.Instant>)?
}

/// The BAT insert pipeline: read → merge with template → validate → name → issue codes in
/// parallel → write in one transaction → emit outputs from what was committed.
public enum InsertJob {
    /// Runs the pipeline.
    ///
    /// Rows stream through in chunks of ``InsertOptions/chunkSize``: each chunk is validated, named,
    /// given codes on all cores and written into the job's one open transaction. Only after the
    /// commit is durable are the config files and the code export written, read back from the
    /// store page by page, so a crash never leaves users holding codes the store does not know.
    ///
    /// - Returns: the summary; `rejected > 0` means exit status 1.
    /// - Throws: ``MRABatError`` for anything fatal (bad template, unreadable or malformed file,
    ///   store busy); then nothing was committed.
    /// - Parameter store: nil only for a dry run against ``InsertOptions/cluster`` with no store yet.
    public static func run(
        store: Store?, options: InsertOptions, progress: (@Sendable (JobSummary) -> Void)? = nil
    ) async throws -> JobSummary {
        precondition(store != nil || (options.dryRun && options.cluster != nil), "a store is needed to insert")
        let clock = ContinuousClock()
        let started = clock.now
        var stageTime: [String: Duration] = [:]
        func timed<T>(_ stage: String, _ body: () throws -> T) rethrows -> T {
            let start = clock.now
            defer { stageTime[stage, default: .zero] += clock.now - start }
            return try body()
        }
        func timed<T>(_ stage: String, _ body: () async throws -> T) async rethrows -> T {
            let start = clock.now
            defer { stageTime[stage, default: .zero] += clock.now - start }
            return try await body()
        }

        guard let cluster = try options.cluster ?? store?.loadCluster() else {
            throw MRABatError(.config, "no cluster configuration: run `mrabat init --cluster FILE` or pass --cluster")
        }
        let template = try PhoneTemplate.load(path: options.templatePath, cluster: cluster)
        if !template.requiresActivationCodeOnboarding || !template.allowActivationCodeViaMRA {
            throw MRABatError(
                .template,
                "template \"\(template.name)\" must set both requiresActivationCodeOnboarding and allowActivationCodeViaMRA to true for MRA onboarding",
                at: SourceLocation(file: options.templatePath))
        }
        // A column the template cannot stand in for must be in the file.
        var required: Set<BATColumn> = [.ownerUserID, .directoryNumber(1)]
        if template.model == nil { required.insert(.deviceType) }
        if template.devicePool == nil { required.insert(.devicePool) }
        var input = try BATInput(
            path: options.csvPath, encoding: options.encoding, delimiter: options.delimiter,
            mapping: options.columnMapping,
            required: required)
        var summary = JobSummary(
            input: options.csvPath, template: options.templatePath, encoding: input.encoding.rawValue,
            delimiter: String(UnicodeScalar(input.delimiter)))
        for (index, name) in input.header.unknown {
            summary.warnings.append(
                "\(options.csvPath):\(input.headerLine):\(index + 1): unknown column \"\(name)\" ignored")
        }
        let validator = RowValidator(
            cluster: cluster, template: template, header: input.header, headerNames: input.headerFields)

        let outputs = try options.outDirectory.map { try OutputDirectory(path: $0) }
        let rejects = try outputs.map {
            try RejectsWriter(path: $0.rejectsPath, headerFields: input.headerFields, delimiter: input.delimiter)
        }
        let vault = try store.flatMap { options.dryRun ? nil : try CodeVault.openOrCreate(keyFile: $0.path + ".key") }
        let transaction = try store.flatMap { store in
            options.dryRun
                ? nil
                : try JobTransaction(
                    store: store, kind: "insert", inputPath: options.csvPath, templateName: template.name,
                    now: options.now)
        }
        summary.jobID = transaction?.jobID

        // In-file duplicates (MAC or natural-key hash → first line) still in memory (the chunks not yet written); older ones are found in
        // the job's own rows in the store.
        var seenMAC = RecentWindow<String, Int>()
        var seenKey = RecentWindow<Int, Int>()
        var namer = DeviceNamer()

        // One chunk is in flight: its codes are computed while the next chunk is read.
        var pending: PendingChunk?
        // Chunks' code computations overlap; the stage's time is the union of their intervals.
        var codeIntervals: [Range<ContinuousClock.Instant>] = []
        /// Writes a chunk whose codes are (being) computed, and reports its rows.
        func flush(_ chunk: PendingChunk) async throws {
            var rejected = chunk.rejected
            rejected.sort { $0.line < $1.line }
            var result = chunk.issued
            if result == nil { result = try await chunk.codes?.value }
            if let transaction, let vault, let (issued, interval) = result {
                codeIntervals.append(interval)
                var secrets = issued
                try await timed("store") {
                    // Unique among outstanding codes: the identity is a function of the code.
                    var taken = try transaction.outstandingIdentityExists(secrets.map(\.identity))
                    var inChunk = Set<String>()
                    for index in secrets.indices {
                        while taken.contains(secrets[index].identity)
                            || !inChunk.insert(secrets[index].identity).inserted
                        {
                            secrets[index] = try await CodeIssuer.issue(count: 1, vault: vault, jobs: 1)[0]
                            taken = try transaction.outstandingIdentityExists([secrets[index].identity])
                        }
                    }
                    try transaction.insert(
                        zip(chunk.fresh, secrets).map { JobTransaction.NewDevice(draft: $0, secrets: $1) },
                        issuedAt: options.now, ttlHours: cluster.enterprise.activationTTLHours)
                    try transaction.recordUnchanged(chunk.unchanged)
                    try transaction.recordRejected(rejected)
                }
            }
            try rejects?.write(rejected)
            summary.accepted += chunk.fresh.count
            summary.unchanged += chunk.unchanged.count
            summary.rejected += rejected.count
            for rejection in rejected {
                summary.rejectedByReason[Self.reasonClass(rejection), default: 0] += 1
            }
            progress?(summary)
            if let maxErrors = options.maxErrors, summary.rejected > maxErrors {
                try rejects?.commit()
                throw MRABatError(
                    .tooManyErrors,
                    "aborted after \(summary.rows) rows: \(summary.rejected) rejected, more than --max-errors \(maxErrors); "
                        + "nothing was committed"
                        + (rejects == nil ? "" : "; the rejected rows so far are in rejects.csv"),
                    at: SourceLocation(file: options.csvPath))
            }
        }

        do {
            var records: [CSVRecord] = []
            records.reserveCapacity(options.chunkSize)
            var finished = false
            while !finished {
                records.removeAll(keepingCapacity: true)
                try timed("read+validate") {
                    while records.count < options.chunkSize, let record = try input.next() {
                        records.append(record)
                    }
                }
                finished = records.count < options.chunkSize
                if records.isEmpty {
                    if summary.rows == 0 {
                        throw MRABatError(
                            .csvStructure, "the file has a header but no rows",
                            at: SourceLocation(file: options.csvPath, line: input.headerLine))
                    }
                    break
                }
                summary.rows += records.count

                // Validate rows on their own, then against each other.
                var drafts: [DeviceDraft] = []
                var rejected: [RowRejection] = []
                timed("read+validate") {
                    for record in records {
                        switch validator.validate(fields: record.fields, line: record.line) {
                        case .failure(let rejection):
                            rejected.append(rejection)
                        case .success(let draft):
                            var problems: [RowProblem] = []
                            if let mac = draft.mac {
                                if let first = seenMAC[mac.hex] {
                                    problems.append(validator.duplicate(draft, ofLine: String(first)))
                                } else {
                                    seenMAC.insert(mac.hex, draft.sourceLine)
                                }
                            } else {
                                let key = draft.naturalKey.hashValue
                                if let first = seenKey[key] {
                                    problems.append(validator.duplicate(draft, ofLine: String(first)))
                                } else {
                                    seenKey.insert(key, draft.sourceLine)
                                }
                            }
                            if problems.isEmpty {
                                for warning in draft.warnings {
                                    summary.rowWarnings += 1
                                    if summary.warnings.count < JobSummary.warningLimit {
                                        summary.warnings.append(
                                            "\(options.csvPath):\(draft.sourceLine):\(warning.column.map(String.init) ?? ""): \(warning)"
                                        )
                                    }
                                }
                                drafts.append(draft)
                            } else {
                                rejected.append(
                                    RowRejection(line: record.line, fields: record.fields, problems: problems))
                            }
                        }
                    }
                }

                // Against the store: re-runs are unchanged, conflicts are rejected.
                let existing = try timed("store") {
                    try transaction?.existingDevices(matching: drafts) ?? store?.existingDevices(matching: drafts) ?? []
                }
                var unchanged: [(line: Int, deviceID: Int64)] = []
                var fresh: [DeviceDraft] = []
                if existing.isEmpty {
                    fresh = drafts
                } else {
                    let fieldsByLine = Dictionary(records.map { ($0.line, $0.fields) }, uniquingKeysWith: { a, _ in a })
                    let byKey = Dictionary(existing.map { ($0.naturalKey, $0) }, uniquingKeysWith: { a, _ in a })
                    let byMAC = Dictionary(
                        existing.compactMap { e in e.mac.map { ($0, e) } }, uniquingKeysWith: { a, _ in a })
                    for draft in drafts {
                        if let transaction, let match = byKey[draft.naturalKey] ?? draft.mac.flatMap({ byMAC[$0.hex] }),
                            match.jobID == transaction.jobID
                        {
                            // Written by this job from an earlier chunk: a duplicate within the file.
                            let first = try transaction.line(ofDevice: match.id).map(String.init) ?? "?"
                            let problem = validator.duplicate(draft, ofLine: first)
                            rejected.append(
                                RowRejection(
                                    line: draft.sourceLine, fields: fieldsByLine[draft.sourceLine] ?? [],
                                    problems: [problem]))
                        } else if let match = byKey[draft.naturalKey] {
                            if match.fingerprint == draft.fingerprint {
                                unchanged.append((draft.sourceLine, match.id))
                            } else {
                                rejected.append(
                                    RowRejection(
                                        line: draft.sourceLine, fields: fieldsByLine[draft.sourceLine] ?? [],
                                        problems: [
                                            RowProblem(
                                                column: nil, columnName: nil, value: nil,
                                                reason: "already provisioned as \(match.name) with a different "
                                                    + DeviceDraft.firstDifference(match.fingerprint, draft.fingerprint)
                                                    + "; mrabat does not change provisioned devices")
                                        ]))
                            }
                        } else if let mac = draft.mac, let match = byMAC[mac.hex] {
                            rejected.append(
                                RowRejection(
                                    line: draft.sourceLine, fields: fieldsByLine[draft.sourceLine] ?? [],
                                    problems: [
                                        validator.problem(
                                            .macAddress, mac.hex, "is already used by device \(match.name)")
                                    ]))
                        } else {
                            fresh.append(draft)
                        }
                    }
                }

                // Names, then codes on all cores, then one write.
                try timed("naming") {
                    let unnamed = fresh.indices.filter { fresh[$0].mac == nil }
                    var names = try namer.dummyNames(count: unnamed.count) { try transaction?.existingNames($0) ?? [] }
                        .makeIterator()
                    for index in fresh.indices {
                        if let mac = fresh[index].mac {
                            fresh[index].name = mac.deviceName
                        } else {
                            fresh[index].name = names.next()!
                        }
                    }
                }
                // The chunk before the previous one is in the store now (insert only; validate keeps all).
                if transaction != nil {
                    namer.forgetWritten()
                    seenMAC.rotate()
                    seenKey.rotate()
                }
                // Codes for this chunk start now, on all cores, while the previous chunk is written and the
                // next one read and validated: the verifiers dominate, so everything else hides behind them.
                // One chunk's codes at a time keeps --jobs the bound on parallel issuance.
                var previous = pending
                pending = nil
                if let codes = previous?.codes {
                    previous?.issued = try await codes.value
                    previous?.codes = nil
                }
                let codes = vault.map { vault in
                    Task { [count = fresh.count, jobs = options.jobs] in
                        let start = ContinuousClock.now
                        let secrets = try await CodeIssuer.issue(count: count, vault: vault, jobs: jobs)
                        return (secrets, start..<ContinuousClock.now)
                    }
                }
                // Pending before the flush, so an error in the flush still waits for these codes.
                pending = PendingChunk(fresh: fresh, unchanged: unchanged, rejected: rejected, codes: codes)
                if let previous {
                    try await flush(previous)
                }
            }
            if let last = pending {
                pending = nil
                try await flush(last)
            }
        } catch {
            // A code-issuance task may still be running in OpenSSL; let it stop before the error
            // ends the process, whose exit handlers tear OpenSSL down under it.
            if let codes = pending?.codes {
                codes.cancel()
                _ = try? await codes.value
            }
            throw error
        }
        stageTime["codes"] = Self.unionLength(codeIntervals)

        // Commit, or not.
        if let transaction {
            if options.allOrNothing && summary.rejected > 0 {
                try transaction.rollback()
                summary.warnings.append("--all-or-nothing: \(summary.rejected) row(s) rejected, nothing committed")
            } else {
                summary.stageSeconds = stageTime.mapValues(Self.seconds)
                summary.totalSeconds = Self.seconds(clock.now - started)
                summary.committed = true
                try timed("store") { try transaction.commit(summary: summary, now: Date()) }
            }
        }

        // Outputs, from the store, after the commit is durable.
        if let outputs, let transaction, let store, let vault, summary.committed {
            let jobID = transaction.jobID
            let tftpStart = clock.now
            summary.configFilesWritten = try await ConfigEmitter.emit(
                store: store, cluster: cluster, jobID: jobID, directory: outputs.tftpPath, jobs: options.jobs)
            stageTime["tftp", default: .zero] += clock.now - tftpStart
            summary.codesExported = try timed("export") {
                try ActivationCodeExport.write(
                    store: store, vault: vault, jobID: jobID, now: options.now, to: outputs.activationCodesPath)
            }
        }
        try rejects?.commit()
        summary.stageSeconds = stageTime.mapValues(Self.seconds)
        summary.totalSeconds = Self.seconds(clock.now - started)
        if let outputs {
            try outputs.writeSummary(summary)
        }
        return summary
    }

    /// Total time covered by possibly overlapping intervals.
    static func unionLength(_ intervals: [Range<ContinuousClock.Instant>]) -> Duration {
        var total = Duration.zero
        var current: Range<ContinuousClock.Instant>?
        for interval in intervals.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let open = current, interval.lowerBound <= open.upperBound {
                current = open.lowerBound..<max(open.upperBound, interval.upperBound)
            } else {
                if let open = current { total += open.upperBound - open.lowerBound }
                current = interval
            }
        }
        if let open = current { total += open.upperBound - open.lowerBound }
        return total
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// The kind of a rejection, for per-reason counts: its first problem's column and reason,
    /// without the parts that vary per row (the value, hints in parentheses, details after `;`).
    static func reasonClass(_ rejection: RowRejection) -> String {
        guard let problem = rejection.problems.first else { return "unknown" }
        var reason = Substring(problem.reason)
        for stop in [" (", ";", ":"] {
            if let range = reason.range(of: stop) { reason = reason[..<range.lowerBound] }
        }
        let kind = reason.split(separator: " ").filter { !$0.allSatisfy(\.isNumber) }.joined(separator: " ")
        return problem.columnName.map { "\($0): \(kind)" } ?? kind
    }
}

extension DeviceDraft {
    static let fingerprintFields = [
        "MAC ADDRESS", "DEVICE TYPE", "DEVICE POOL", "MRA SERVICE DOMAIN", "OWNER USER ID", "DESCRIPTION", "LOCATION",
        "CSS", "protocol", "phone button template", "softkey template", "security profile", "SIP profile",
        "user locale", "activation flag", "activation flag",
    ]

    /// Names the first field in which two fingerprints differ.
    static func firstDifference(_ a: String, _ b: String) -> String {
        let left = a.split(separator: "\u{1F}", omittingEmptySubsequences: false)
        let right = b.split(separator: "\u{1F}", omittingEmptySubsequences: false)
        for index in 0..<max(left.count, right.count) {
            let l = index < left.count ? left[index] : ""
            let r = index < right.count ? right[index] : ""
            guard l != r else { continue }
            if index < fingerprintFields.count {
                return "\(fingerprintFields[index]) (\"\(l)\" in the store)"
            }
            let lineField = (index - fingerprintFields.count) % 5
            let lineIndex = (index - fingerprintFields.count) / 5 + 1
            let names = ["line number", "DIRECTORY NUMBER", "DISPLAY", "LINE TEXT LABEL", "PARTITION"]
            return "\(names[lineField]) \(lineIndex) (\"\(l)\" in the store)"
        }
        return "set of lines"
    }
}
