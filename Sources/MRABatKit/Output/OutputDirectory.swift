import Foundation

/// The `--out DIR` layout: `tftp/`, `activation-codes.csv`, `rejects.csv`, `summary.json`.
public struct OutputDirectory: Sendable {
    public let path: String

    /// Creates the directory and its `tftp/` folder if needed.
    public init(path: String) throws {
        self.path = path
        do {
            try FileManager.default.createDirectory(atPath: path + "/tftp", withIntermediateDirectories: true)
        } catch {
            throw MRABatError(.io, "cannot create the output directory \(path)", cause: (error as NSError).localizedDescription)
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
