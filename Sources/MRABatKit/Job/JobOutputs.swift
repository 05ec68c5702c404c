import Foundation

/// What a committed job leaves on disk: config files and the code export (read back from the store),
/// `rejects.csv` and `summary.json`.
enum JobOutputs {
    /// Writes the config files and the code export of committed job `jobID`.
    ///
    /// The job is committed whatever happens here: a failure (a read-only `tftp/`, a full disk) is
    /// recorded in ``JobSummary/outputFailure`` rather than thrown, so the caller says that the job
    /// is committed and exits with its own status; a re-run of the same input finds every row
    /// unchanged and writes the outputs again.
    static func emit(
        jobID: Int64, store: any Store, vault: CodeVault, cluster: ClusterConfig, outputs: OutputDirectory,
        options: InsertOptions, summary: inout JobSummary, clock: inout StageClock
    ) async throws {
        do {
            summary.configFilesWritten = try await clock.time(.tftp) {
                try await ConfigEmitter.emit(
                    store: store, cluster: cluster, jobID: jobID, directory: outputs.tftpPath, jobs: options.jobs)
            }
            summary.codesExported = try await clock.time(.export) {
                try await ActivationCodeExport.write(
                    store: store, vault: vault, jobID: jobID, now: options.now, to: outputs.activationCodesPath)
            }
        } catch {
            summary.outputFailure = "\(error)"
        }
    }

    /// Brings the config files in line with committed `update`, `delete` or `undo` job `jobID` (see
    /// ``ConfigEmitter/emitChanges(store:cluster:jobID:directory:jobs:)``) and, given `codes`, writes
    /// the code export of its devices; the codes of devices it removed are taken out of an export
    /// already there. Failures are recorded as by ``emit``.
    static func emitChanges(
        jobID: Int64, store: any Store, cluster: ClusterConfig, outputs: OutputDirectory, jobs: Int,
        summary: inout JobSummary, clock: inout StageClock, codes: (vault: CodeVault, now: Date)?
    ) async throws {
        do {
            let (written, removed, removedDevices) = try await clock.time(.tftp) {
                try await ConfigEmitter.emitChanges(
                    store: store, cluster: cluster, jobID: jobID, directory: outputs.tftpPath, jobs: jobs)
            }
            summary.configFilesWritten = written
            summary.configFilesRemoved = removed
            // The codes of removed devices are gone from the store: an earlier export there must not offer them.
            try ActivationCodeExport.withdraw(names: removedDevices, from: outputs.activationCodesPath)
            if let codes {
                summary.codesExported = try await clock.time(.export) {
                    try await ActivationCodeExport.write(
                        store: store, vault: codes.vault, jobID: jobID, now: codes.now,
                        to: outputs.activationCodesPath)
                }
            }
        } catch {
            summary.outputFailure = "\(error)"
        }
    }

    /// Puts `rejects.csv` in place and writes `summary.json` with the final timings.
    ///
    /// - Throws: only for a job that committed nothing (`validate`, `--all-or-nothing`); a committed
    ///   job's failure goes to ``JobSummary/outputFailure``.
    static func finish(
        rejects: RejectsWriter?, outputs: OutputDirectory?, summary: inout JobSummary, clock: StageClock
    ) throws {
        func attempt(_ body: () throws -> Void) throws {
            do {
                try body()
            } catch {
                guard summary.committed else { throw error }
                summary.outputFailure = summary.outputFailure ?? "\(error)"
            }
        }
        try attempt { try rejects?.commit() }
        summary.stageSeconds = clock.seconds
        summary.totalSeconds = clock.totalSeconds
        if let outputs {
            let final = summary
            try attempt { try outputs.writeSummary(final) }
        }
    }
}
