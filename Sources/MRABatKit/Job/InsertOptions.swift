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
    /// Parallel code-issuance and file-writing tasks; defaults to the number of cores.
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
    /// The sealing-key file (`--key`); nil: the store's default.
    public var keyFile: String?

    public init(csvPath: String, templatePath: String, outDirectory: String?) {
        self.csvPath = csvPath
        self.templatePath = templatePath
        self.outDirectory = outDirectory
    }
}
