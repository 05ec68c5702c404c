import Foundation

/// The `--out DIR` layout: `tftp/`, `activation-codes.csv`, `rejects.csv`, `summary.json`.
///
/// Keep the value alive until the job's last output is written: it holds the directory's lock
/// (see ``OutputDirectoryLock``), which tells a later job whether temporary files are stale.
package struct OutputDirectory: Sendable {
    package let path: String
    private let lock: OutputDirectoryLock

    /// Creates the directory and its `tftp/` folder if needed and locks it for this job; when no
    /// other job uses it, removes the temporary files a killed job left there.
    ///
    /// - Throws: ``MRABatError`` `.io` if `tftp/` or one of the files is a symbolic link or not what
    ///   it should be (see ``checkLayout(of:)``); a job checks this before it starts, so nothing is
    ///   committed.
    package init(path: String) throws {
        self.path = path
        try Self.checkLayout(of: path)
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

    /// The entries mrabat writes directly under `--out`, and whether each is a directory.
    static let entries: [(name: String, isDirectory: Bool)] = [
        ("tftp", true), ("activation-codes.csv", false), ("rejects.csv", false), ("summary.json", false),
    ]

    /// Refuses a layout that would send files outside `path`, or fail once the job is committed.
    ///
    /// `--out` itself may be a link (the user named it), but what is inside it is mrabat's: a `tftp`
    /// that is a symbolic link would put every config file wherever it points, and a link named like
    /// one of the files says someone meant the file to go elsewhere. Neither is followed; the
    /// administrator removes the link or names another `--out`. An entry of the wrong kind (a
    /// directory named `rejects.csv`, a file named `tftp`) could not be written either.
    static func checkLayout(of path: String) throws {
        let files = FileManager.default
        for (name, isDirectory) in entries {
            let entry = path + "/" + name
            // attributesOfItem does not follow a final symbolic link (lstat).
            guard let type = try? files.attributesOfItem(atPath: entry)[.type] as? FileAttributeType else {
                continue
            }
            if type == .typeSymbolicLink {
                let target = (try? files.destinationOfSymbolicLink(atPath: entry)).map { " (to \($0))" } ?? ""
                throw MRABatError(
                    .io,
                    "\(name) in the output directory is a symbolic link\(target); mrabat writes only inside the "
                        + "output directory and does not follow links there: remove the link or choose another --out",
                    at: SourceLocation(file: entry))
            }
            if type != (isDirectory ? .typeDirectory : .typeRegular) {
                throw MRABatError(
                    .io,
                    "\(name) in the output directory is not a \(isDirectory ? "directory" : "regular file"); "
                        + "remove it or choose another --out",
                    at: SourceLocation(file: entry))
            }
        }
    }

    package var tftpPath: String { path + "/tftp" }
    package var activationCodesPath: String { path + "/activation-codes.csv" }
    package var rejectsPath: String { path + "/rejects.csv" }
    package var summaryPath: String { path + "/summary.json" }

    /// Writes the job summary as `summary.json`.
    package func writeSummary(_ summary: JobSummary) throws {
        try Self.writeSummary(summary, to: summaryPath)
    }

    /// Writes a job summary as JSON (sorted keys, so runs compare by diff), atomically.
    package static func writeSummary(_ summary: JobSummary, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(summary)
        try AtomicFile.write([UInt8](data) + [0x0A], to: path)
    }
}
