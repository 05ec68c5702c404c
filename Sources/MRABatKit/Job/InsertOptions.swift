import Foundation

/// What `insert` and `validate` are asked to do.
package struct InsertOptions: Sendable {
    package var csvPath: String
    package var templatePath: String
    /// Where outputs go; `validate` writes only `rejects.csv` there, and only when given.
    package var outDirectory: String?
    /// `validate`, `plan`: run every check, write nothing to the store, issue no code.
    package var dryRun: Bool = false
    /// `insert` (and `validate`), or `update` (and `plan`, its dry run): what a row that matches a
    /// provisioned device does (see ``StoreReconciler``).
    package var kind: JobKind = .insert
    /// `update --existing-only`: reject rows that match no device, as BAT's Update Phones does,
    /// instead of creating them.
    package var existingOnly: Bool = false
    package var allOrNothing: Bool = false
    /// Parallel code-issuance and file-writing tasks; defaults to the number of cores.
    package var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    package var encoding: TextEncoding?
    package var delimiter: UInt8?
    /// A workbook's sheet to read (`--sheet`); nil: the first.
    package var sheet: String?
    /// Rows per pipeline step: bounds memory, whatever the file's size.
    package var chunkSize: Int = 4096
    package var now: Date = Date()
    /// Validate against this configuration instead of the store's (`validate --cluster`).
    package var cluster: ClusterConfig?
    /// A legacy sheet's column names mapped to BAT column names (`--map`).
    package var columnMapping: [String: String] = [:]
    /// Abort, committing nothing, once more than this many rows are rejected (`--max-errors`).
    package var maxErrors: Int?
    /// The sealing-key file (`--key`); nil: the store's default.
    package var keyFile: String?

    package init(csvPath: String, templatePath: String, outDirectory: String?) {
        self.csvPath = csvPath
        self.templatePath = templatePath
        self.outDirectory = outDirectory
    }
}
