import Foundation

/// The `--out DIR` layout: `tftp/`, `activation-codes.csv`, `rejects.csv`, `summary.json`.
///
/// Keep the value alive until the job's last output is written: it holds the directory's lock
/// (see ``OutputDirectoryLock``), which tells a later job whether temporary files are stale.
public struct OutputDirectory: Sendable {
    public let path: String
    private let lock: OutputDirectoryLock

    /// Creates the directory and its `tftp/` folder if needed and locks it for this job; when no
    /// other job uses it, removes the temporary files a killed job left there.
    public init(path: String) throws {
        self.path = path
        do {
            try FileManager.default.createDirectory(atPath: path + "/tftp", withIntermediateDirectories: true)
        } catch {
            throw MRABatError(
                .io, "cannot create the output directory \(path)", cause: (error as NSError).localizedDescription)
        }
        lock = try OutputDirectoryLock(path: path) {
            Self.removeStaleTemporaryFiles(in: path)
            Self.removeStaleTemporaryFiles(in: path + "/tftp")
        }
    }

    public var tftpPath: String { path + "/tftp" }
    public var activationCodesPath: String { path + "/activation-codes.csv" }
    public var rejectsPath: String { path + "/rejects.csv" }
    public var summaryPath: String { path + "/summary.json" }

    /// Writes the job summary as `summary.json`.
    public func writeSummary(_ summary: JobSummary) throws {
        try Self.writeSummary(summary, to: summaryPath)
    }

    /// Writes a job summary as JSON (sorted keys, so runs compare by diff), atomically.
    public static func writeSummary(_ summary: JobSummary, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(summary)
        try AtomicFile.write([UInt8](data) + [0x0A], to: path)
    }
}
