import Foundation

/// What `delete` is asked to remove: the rows of a file with a `DEVICE NAME` or `MAC ADDRESS` column
/// (BAT's Delete Phones file; other columns are ignored), or names and MACs given directly.
package struct DeleteOptions: Sendable {
    /// The file, or nil when only ``names`` and ``macs`` are given.
    package var inputPath: String?
    package var names: [String] = []
    package var macs: [String] = []
    package var outDirectory: String?
    package var encoding: TextEncoding?
    package var delimiter: UInt8?
    package var allOrNothing = false
    package var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    package var chunkSize = 4096
    package var now = Date()

    /// What a summary gives as the encoding of names and MACs given on the command line.
    static let argumentsEncoding = "arguments"

    package init(inputPath: String?, outDirectory: String?) {
        self.inputPath = inputPath
        self.outDirectory = outDirectory
    }

    /// How the job names its input: the file, or the names and MACs it was given.
    var inputDescription: String {
        inputPath ?? (names.map { "--name \($0)" } + macs.map { "--mac \($0)" }).joined(separator: " ")
    }
}

/// BAT's Delete Phones: devices with their lines and codes removed in one transaction; their config
/// files removed after the commit; their history kept in the audit log.
///
/// A row is matched by its `DEVICE NAME`, else its MAC (a device provisioned with it, or activated
/// as it). A row naming a device a job removed already is `unchanged` ("already deleted by job 4")
/// and its config file is removed if it is still there, so a run killed after its commit, or the
/// same file fed again, finishes cleanly; a name no device ever had is a rejected row (exit 1).
package enum DeleteJob {
    /// One row to delete, as read.
    struct Target {
        var line: Int
        var fields: [String]
        var name: (column: Int, value: String)?
        var mac: (column: Int, value: String)?
    }

    /// Runs the job.
    /// - Throws: ``MRABatError`` for anything fatal (unreadable file, no usable column, store busy);
    ///   then nothing was committed.
    package static func run(store: any Store, options: DeleteOptions) async throws -> JobSummary {
        // A store that runs jobs at once (PostgreSQL) rolls a job back when another one changed or
        // removed a device it was about to remove; run again, it sees that job's commit.
        try await StoreConflict.retrying(at: SourceLocation(file: options.inputPath ?? "delete")) {
            try await runOnce(store: store, options: options)
        }
    }

    /// One attempt at the job, in one transaction.
    static func runOnce(store: any Store, options: DeleteOptions) async throws -> JobSummary {
        var clock = StageClock()
        let cluster = try await store.loadCluster()
        let outputs = try options.outDirectory.map { try OutputDirectory(path: $0) }
        var source: TargetSource
        if let path = options.inputPath {
            source = try TargetSource(
                file: BATInput(path: path, encoding: options.encoding, delimiter: options.delimiter), path: path)
        } else {
            source = TargetSource(names: options.names, macs: options.macs)
        }
        var summary = JobSummary(
            input: options.inputDescription, template: "", encoding: source.encoding, delimiter: source.delimiter)
        summary.kind = JobKind.delete.rawValue
        let rejects = try source.headerFields.flatMap { header in
            try outputs.map {
                try RejectsWriter(path: $0.rejectsPath, headerFields: header, delimiter: source.delimiterByte)
            }
        }
        let writer = try await store.beginJob(
            kind: JobKind.delete.rawValue, input: options.inputDescription, template: "", now: options.now)
        summary.jobID = writer.jobID
        do {
            while true {
                let targets = try await clock.time(.readValidate) { try source.next(count: options.chunkSize) }
                guard !targets.isEmpty else { break }
                summary.rows += targets.count
                let rejected = try await clock.time(.store) {
                    try await deleteChunk(targets, writer: writer, summary: &summary, now: options.now)
                }
                try rejects?.write(rejected)
                summary.rejected += rejected.count
                for rejection in rejected { summary.rejectedByReason[rejection.tag.rawValue, default: 0] += 1 }
                if options.inputPath == nil {
                    // No rejects.csv without a file: each refused argument is a warning, named as given.
                    for rejection in rejected {
                        let option = rejection.line > options.names.count ? "--mac" : "--name"
                        let reasons = rejection.problems.map(\.reason).joined(separator: "; ")
                        summary.warnings.append("\(option) \(rejection.fields.first ?? ""): \(reasons)")
                    }
                }
            }
            guard summary.rows > 0 else {
                throw MRABatError(
                    .csvStructure, "the file has a header but no rows",
                    at: SourceLocation(file: options.inputPath ?? "delete", line: source.headerLine))
            }
            if options.allOrNothing && summary.rejected > 0 {
                try await writer.rollback()
                summary.warnings.append("--all-or-nothing: \(summary.rejected) row(s) rejected, nothing committed")
                summary.deleted = 0
                summary.unchanged = 0
            } else {
                summary.committed = true
                summary.stageSeconds = clock.seconds
                summary.totalSeconds = clock.totalSeconds
                let final = summary
                try await clock.time(.store) { try await writer.commit(summary: final, now: Date()) }
            }
        } catch {
            try? await writer.rollback()
            throw error
        }
        if let outputs, summary.committed, let jobID = summary.jobID {
            try await JobOutputs.emitChanges(
                jobID: jobID, store: store, cluster: cluster, outputs: outputs, jobs: options.jobs,
                summary: &summary, clock: &clock, codes: nil)
        }
        try JobOutputs.finish(rejects: rejects, outputs: outputs, summary: &summary, clock: clock)
        return summary
    }

    /// Deletes one chunk's devices; returns its rejected rows.
    static func deleteChunk(_ targets: [Target], writer: any JobWriter, summary: inout JobSummary, now: Date)
        async throws -> [RowRejection]
    {
        var rejected: [RowRejection] = []
        var wanted: [(target: Target, name: String?, mac: MACAddress?)] = []
        for target in targets {
            func reject(_ tag: RowProblem.Tag, _ column: (column: Int, value: String)?, _ reason: String) {
                rejected.append(
                    RowRejection(
                        line: target.line, fields: target.fields,
                        problems: [
                            RowProblem(
                                tag: tag, column: column.map { $0.column + 1 },
                                columnName: column.map { _ in tag == .macInvalid ? "MAC ADDRESS" : "DEVICE NAME" },
                                value: column.map { FieldText.visible($0.value) }, reason: reason)
                        ]))
            }
            var name: String?
            var mac: MACAddress?
            if let given = target.mac {
                guard let parsed = MACAddress(parsing: given.value) else {
                    reject(
                        .macInvalid, given,
                        "is not a MAC address; write 12 hex digits (001A2B3C4D5E, 00:1A:2B:3C:4D:5E, 00-1A-2B-3C-4D-5E "
                            + "or 001a.2b3c.4d5e)")
                    continue
                }
                mac = parsed
            }
            if let given = target.name {
                if DeviceNamer.isDummyName(given.value) {
                    name = given.value
                } else if given.value.utf8.count == 15, given.value.uppercased().hasPrefix("SEP"),
                    let named = MACAddress(parsing: String(given.value.dropFirst(3)))
                {
                    name = named.deviceName
                    if let mac, mac != named {
                        reject(
                            .deviceNameMACMismatch, given,
                            "is the name of MAC \(named.hex), but MAC ADDRESS is \(mac.hex); a SEP name is the phone's MAC"
                        )
                        continue
                    }
                } else {
                    reject(
                        .deviceNameInvalid, given,
                        "is not a device name: SEP followed by the MAC's 12 hex digits, or BAT followed by 12 "
                            + "uppercase hex digits")
                    continue
                }
            }
            guard name != nil || mac != nil else {
                reject(.deviceNameMissing, nil, "DEVICE NAME and MAC ADDRESS are both empty: nothing says which device")
                continue
            }
            wanted.append((target, name, mac))
        }

        let byName = Dictionary(
            try await writer.devices(named: wanted.compactMap(\.name)).map { ($0.device.name, $0) },
            uniquingKeysWith: { first, _ in first })
        let byMAC = Dictionary(
            try await writer.existingDevices(keys: [], macs: wanted.compactMap { $0.mac?.hex }, names: []).compactMap {
                match in
                match.device.mac.map { ($0, match) }
            }, uniquingKeysWith: { first, _ in first })
        let gone = try await writer.deletedNames(wanted.map { $0.name ?? $0.mac?.deviceName ?? "" })
        var deleting: [Int64: Int] = [:]
        var removals: [(line: Int, deviceID: Int64)] = []
        var alreadyDeleted: [(line: Int, deviceName: String, note: String)] = []
        for (target, name, mac) in wanted {
            func reject(_ tag: RowProblem.Tag, _ reason: String) {
                let column = target.name ?? target.mac
                rejected.append(
                    RowRejection(
                        line: target.line, fields: target.fields,
                        problems: [
                            RowProblem(
                                tag: tag, column: column.map { $0.column + 1 },
                                columnName: target.name == nil ? "MAC ADDRESS" : "DEVICE NAME",
                                value: column.map { FieldText.visible($0.value) }, reason: reason)
                        ]))
            }
            let match = name.flatMap { byName[$0] } ?? (name == nil ? mac.flatMap { byMAC[$0.hex] } : nil)
            if let match {
                if let mac, let has = match.device.mac, has != mac.hex {
                    reject(.deviceNameMACMismatch, "device \(match.device.name) has MAC \(has), not \(mac.hex)")
                } else if let mac, match.device.mac == nil {
                    reject(.deviceNameMACMismatch, "device \(match.device.name) has no MAC, not \(mac.hex)")
                } else if let first = deleting[match.device.id] {
                    reject(.duplicateInFile, "is also on line \(first); one row per device")
                } else {
                    deleting[match.device.id] = target.line
                    removals.append((target.line, match.device.id))
                }
                continue
            }
            let shown = name ?? mac?.deviceName ?? ""
            if let earlier = gone[shown] {
                if earlier.jobID == writer.jobID {
                    reject(.duplicateInFile, "is also on line \(earlier.line); one row per device")
                } else {
                    alreadyDeleted.append((target.line, shown, "already deleted by job \(earlier.jobID)"))
                }
                continue
            }
            reject(
                .deviceUnknown,
                name.map { "no device is named \($0)" } ?? "no device has MAC \(mac?.hex ?? "")")
        }
        try await writer.delete(removals, note: nil, now: now)
        try await writer.recordAlreadyDeleted(alreadyDeleted)
        try await writer.recordRejected(rejected)
        summary.deleted += removals.count
        summary.unchanged += alreadyDeleted.count
        return rejected.sorted { $0.line < $1.line }
    }
}

/// The rows of a delete: a file's, or the names and MACs given on the command line.
struct TargetSource: ~Copyable {
    private var input: BATInput?
    private let isFile: Bool
    private var given: [DeleteJob.Target]
    private let nameIndex: Int?
    private let macIndex: Int?
    let encoding: String
    let delimiter: String
    let delimiterByte: UInt8
    let headerFields: [String]?
    let headerLine: Int

    /// The names and MACs given on the command line, as rows 1, 2, …
    init(names: [String], macs: [String]) {
        given =
            names.enumerated().map { index, name in
                DeleteJob.Target(line: index + 1, fields: [name], name: (0, name), mac: nil)
            }
            + macs.enumerated().map { index, mac in
                DeleteJob.Target(line: names.count + index + 1, fields: [mac], name: nil, mac: (0, mac))
            }
        input = nil
        isFile = false
        nameIndex = nil
        macIndex = nil
        encoding = DeleteOptions.argumentsEncoding
        delimiter = ","
        delimiterByte = UInt8(ascii: ",")
        headerFields = nil
        headerLine = 0
    }

    /// The rows of `input`, opened from `path`.
    /// - Throws: `.csvStructure` when the file has neither a `DEVICE NAME` nor a `MAC ADDRESS` column.
    init(file input: consuming BATInput, path: String) throws {
        let nameIndex = input.header.index(of: .deviceName)
        let macIndex = input.header.index(of: .macAddress)
        guard nameIndex != nil || macIndex != nil else {
            throw MRABatError(
                .csvStructure, "a delete file needs a DEVICE NAME or MAC ADDRESS column",
                at: SourceLocation(file: path, line: input.headerLine))
        }
        self.nameIndex = nameIndex
        self.macIndex = macIndex
        encoding = input.encoding.rawValue
        delimiterByte = input.delimiter
        delimiter = String(UnicodeScalar(input.delimiter))
        headerFields = input.headerFields
        headerLine = input.headerLine
        given = []
        isFile = true
        self.input = consume input
    }

    /// Up to `count` next rows.
    mutating func next(count: Int) throws -> [DeleteJob.Target] {
        guard isFile else {
            let taken = Array(given.prefix(count))
            given.removeFirst(taken.count)
            return taken
        }
        var targets: [DeleteJob.Target] = []
        while targets.count < count, let record = try input?.next() {
            func value(_ index: Int?) -> (column: Int, value: String)? {
                guard let index, index < record.fields.count else { return nil }
                let text = SpreadsheetDamage.trim(record.fields[index])
                return text.isEmpty ? nil : (index, text)
            }
            targets.append(
                DeleteJob.Target(
                    line: record.line, fields: record.fields, name: value(nameIndex), mac: value(macIndex)))
        }
        return targets
    }
}
