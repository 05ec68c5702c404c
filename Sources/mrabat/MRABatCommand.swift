import ArgumentParser
import Foundation
import MRABatKit

@main
struct MRABatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mrabat",
        abstract: "Bulk-provision Cisco IP phones for MRA activation-code onboarding.",
        discussion: """
            Exit status: 0 everything accepted; 1 finished, some rows rejected (check: some prerequisite fails); \
            2 nothing done (bad arguments, unreadable file, bad template or cluster configuration, unknown device); \
            3 the store failed or is busy; 4 activation refused.
            """,
        version: MRABat.version,
        subcommands: [
            Init.self, Validate.self, Insert.self, ExportCodes.self, Activate.self, Release.self, Regenerate.self,
            Relock.self, Expire.self, History.self, SelfCare.self, Check.self, Serve.self,
        ])
}

/// Options every command that touches the store takes.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The SQLite store (default: $MRABAT_DB or ./mrabat.sqlite).")
    var db: String?

    var path: String { db ?? ProcessInfo.processInfo.environment["MRABAT_DB"] ?? "mrabat.sqlite" }

    func open(readOnly: Bool = false) throws -> Store { try Store(path: path, readOnly: readOnly) }
}

/// Options of `insert` and `validate`: the input and how to read it.
struct InputOptions: ParsableArguments {
    @Argument(help: "The BAT CSV file.")
    var csv: String

    @Option(name: .long, help: "The BAT phone template (YAML).")
    var template: String

    @Option(name: .long, help: "Input encoding: utf8, utf8BOM, utf16LE, utf16BE or windows1252 (default: detected).")
    var encoding: String?

    @Option(name: .long, help: "Field delimiter: ',', ';' or 'tab' (default: detected from the header).")
    var delimiter: String?

    @Option(
        name: .long,
        help: "A YAML file mapping a legacy sheet's column names to BAT columns (`Phone Model: DEVICE TYPE`).")
    var map: String?

    @Option(name: .long, help: "Abort, committing nothing, once more than N rows are rejected.")
    var maxErrors: Int?

    @Option(name: .long, help: "Also write the job summary as JSON to this file.")
    var summaryJson: String?

    @Flag(name: .long, help: "Print nothing but warnings and errors (for cron).")
    var quiet = false

    func apply(to options: inout InsertOptions) throws {
        if let encoding {
            guard let value = TextEncoding(name: encoding) else {
                throw MRABatError(
                    .usage,
                    "--encoding \(encoding): expected one of \(TextEncoding.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            options.encoding = value
        }
        if let delimiter {
            switch delimiter.lowercased() {
            case ",", "comma": options.delimiter = UInt8(ascii: ",")
            case ";", "semicolon": options.delimiter = UInt8(ascii: ";")
            case "tab", "\t", "\\t": options.delimiter = UInt8(ascii: "\t")
            default: throw MRABatError(.usage, "--delimiter \(delimiter): expected ',', ';' or 'tab'")
            }
        }
        if let map { options.columnMapping = try ColumnMapping.load(path: map) }
        if let maxErrors {
            guard maxErrors >= 0 else { throw MRABatError(.usage, "--max-errors must be 0 or more") }
            options.maxErrors = maxErrors
        }
    }

    /// Prints the summary (unless quiet) and writes `--summary-json`; returns the exit status.
    func finish(_ summary: JobSummary) throws -> Int32 {
        printSummary(summary, quiet: quiet)
        if let summaryJson { try OutputDirectory.writeSummary(summary, to: summaryJson) }
        return summary.rejected > 0 ? 1 : 0
    }
}

/// Runs a command body, printing errors as one clear line and exiting with the SPEC's statuses.
func runReporting(_ body: () async throws -> Int32) async throws {
    let status: Int32
    do {
        status = try await body()
    } catch let error as MRABatError {
        FileHandle.standardError.write(Data("mrabat: error: \(error)\n".utf8))
        status = ExitStatus.of(error)
    }
    if status != 0 { throw ExitCode(status) }
}

enum ExitStatus {
    /// 2: bad input or configuration, nothing done; 3: the store failed or is busy (retryable); 4: activation refused;
    /// 5: aborted by --max-errors, nothing committed.
    static func of(_ error: MRABatError) -> Int32 {
        switch error.code {
        case .tooManyErrors: return 5
        case .store, .storeBusy: return 3
        case .activation: return 4
        default: return 2
        }
    }
}

func printSummary(_ summary: JobSummary, quiet: Bool = false) {
    for warning in summary.warnings {
        FileHandle.standardError.write(Data("mrabat: warning: \(warning)\n".utf8))
    }
    guard !quiet else { return }
    for line in summary.lines { print(line) }
}

/// A one-line progress report on stderr, only when stderr is a terminal.
func progressReporter() -> (@Sendable (JobSummary) -> Void)? {
    guard isatty(2) == 1 else { return nil }
    return { summary in
        FileHandle.standardError.write(
            Data(
                "\r\(summary.rows) rows: \(summary.accepted) accepted, \(summary.unchanged) unchanged, \(summary.rejected) rejected  "
                    .utf8))
    }
}

struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create or upgrade the store and load the cluster configuration (idempotent).")

    @OptionGroup var store: StoreOptions

    @Option(name: .long, help: "The cluster configuration (YAML).")
    var cluster: String

    func run() async throws {
        try await runReporting {
            let config = try ClusterConfig.load(path: cluster)
            let store = try store.open()
            try store.saveCluster(config)
            print(
                "loaded cluster \(config.name) into \(store.path): \(config.serviceDomains.count) MRA service domains "
                    + "(activation domain \(config.activationServiceDomain.domain), default \(config.defaultServiceDomain.name)), "
                    + "\(config.devicePools.count) device pools, \(config.models.count) models")
            return 0
        }
    }
}

struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run every check of insert without writing to the store; exit 1 if any row would be rejected.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var input: InputOptions

    @Option(name: .long, help: "Write rejects.csv and summary.json here.")
    var out: String?

    @Option(
        name: .long, help: "Validate against this cluster configuration instead of the store's (nothing is loaded).")
    var cluster: String?

    func run() async throws {
        try await runReporting {
            var options = InsertOptions(csvPath: input.csv, templatePath: input.template, outDirectory: out)
            options.dryRun = true
            try input.apply(to: &options)
            options.cluster = try cluster.map { try ClusterConfig.load(path: $0) }
            // With --cluster and no store yet, rows are checked without looking for existing devices.
            let haveStore = FileManager.default.fileExists(atPath: store.path)
            let summary = try await InsertJob.run(
                store: options.cluster != nil && !haveStore ? nil : try store.open(readOnly: true), options: options)
            return try input.finish(summary)
        }
    }
}

struct Insert: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Provision the phones of a BAT CSV file: store, activation codes, TFTP config files, code export.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var input: InputOptions

    @Option(name: .long, help: "Output directory: tftp/, activation-codes.csv, rejects.csv, summary.json.")
    var out: String

    @Flag(name: .long, help: "Commit nothing if any row is rejected.")
    var allOrNothing = false

    @Option(name: .long, help: "Parallel code-issuance tasks (default: the number of cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .long, help: "Load (or refresh) this cluster configuration into the store first, as `init` does.")
    var cluster: String?

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
    }

    func run() async throws {
        try await runReporting {
            var options = InsertOptions(csvPath: input.csv, templatePath: input.template, outDirectory: out)
            options.allOrNothing = allOrNothing
            options.jobs = jobs
            try input.apply(to: &options)
            let store = try store.open()
            if let cluster { try store.saveCluster(try ClusterConfig.load(path: cluster)) }
            let reporter = input.quiet ? nil : progressReporter()
            let summary = try await InsertJob.run(store: store, options: options, progress: reporter)
            if reporter != nil { FileHandle.standardError.write(Data("\n".utf8)) }
            return try input.finish(summary)
        }
    }
}

struct ExportCodes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-codes",
        abstract: "Write every outstanding, unexpired activation code to a CSV file (mode 0600).")

    @OptionGroup var store: StoreOptions

    @Option(name: .long, help: "The CSV file to write.")
    var out: String

    func run() async throws {
        try await runReporting {
            let store = try store.open()
            let vault = try CodeVault.openOrCreate(keyFile: store.path + ".key")
            let count = try ActivationCodeExport.write(store: store, vault: vault, jobID: nil, now: Date(), to: out)
            print("exported \(count) outstanding activation code(s) to \(out)")
            return 0
        }
    }
}
