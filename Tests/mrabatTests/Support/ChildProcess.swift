import Foundation
import GRDB
import Glibc
import MRABatKit

/// A running `mrabat` that a test can watch and kill, unlike ``Harness/run(_:environment:)`` which waits.
///
/// Output goes to files, not pipes, so a child that is never read from cannot block on a full pipe.
final class RunningMRABat {
    let process = Process()
    private let stdoutPath: String
    private let stderrPath: String

    /// Starts `mrabat arguments…` in `harness`'s folder with its store.
    init(_ harness: Harness, _ arguments: [String], label: String) throws {
        stdoutPath = harness.path("\(label).stdout")
        stderrPath = harness.path("\(label).stderr")
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: Harness.binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: harness.directory)
        process.environment = ProcessInfo.processInfo.environment.merging(harness.storeEnvironment) { $1 }
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        try process.run()
    }

    var isRunning: Bool { process.isRunning }

    /// SIGKILL: no handler, no cleanup, exactly what a crash or `kill -9` does.
    func kill() {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
    }

    /// Waits for the process and returns its status and output; `killed` when SIGKILL ended it.
    func wait() -> (status: Int32, killed: Bool, stdout: String, stderr: String) {
        process.waitUntilExit()
        let killed = process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL
        let stdout = (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        return (process.terminationStatus, killed, stdout, stderr)
    }

    /// Polls every millisecond until `condition` holds (true) or the process ends first (false).
    func wait(until condition: () -> Bool, timeout: TimeInterval = 120) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline {
            if condition() { return true }
            usleep(1000)
        }
        return false
    }
}

/// A generated BAT file whose outcome is known row by row.
struct GeneratedBATFile {
    let path: String
    /// Lines (1-based, the header is line 1) of rows that must be rejected.
    let rejectedLines: Set<Int>
    let rows: Int
    var accepted: Int { rows - rejectedLines.count }

    static let header = [
        "MAC ADDRESS", "DESCRIPTION", "DEVICE TYPE", "DEVICE POOL", "OWNER USER ID", "DIRECTORY NUMBER 1", "DISPLAY 1",
        "DIRECTORY NUMBER 2", "DISPLAY 2",
    ]

    /// Writes rows `range` of one endless, deterministic population: row `i` is the same phone in
    /// every file, so overlapping ranges describe the same phones. One row in `invalidEvery` names a
    /// device pool that does not exist; one in 10 has a MAC, the rest get BAT dummy names.
    static func write(to path: String, rows range: Range<Int>, invalidEvery: Int = 997) throws -> GeneratedBATFile {
        let models = ["Cisco 8845", "Cisco 7841", "Cisco 7821", "8865", "Cisco 7811"]
        let pools = ["DP-Dallas", "DP-NewYork", "DP-Frankfurt", "DP-Amsterdam", "DP-Singapore"]
        var text = CSVText.record(header)
        var rejected = Set<Int>()
        for (offset, i) in range.enumerated() {
            let model = models[i % models.count]
            let twoLines = model != "Cisco 7811" && i % 3 == 0
            var pool = pools[(i / 7) % pools.count]
            if i % invalidEvery == invalidEvery - 1 {
                pool = "DP-Atlantis"
                rejected.insert(offset + 2)
            }
            let mac = i % 10 == 0 ? String(format: "0A%010llX", UInt64(i)) : ""
            let dn = String(20_000_000 + 2 * i)
            text += CSVText.record([
                mac, "Phone \(i), floor \(i % 40)", model, pool, "user\(i)", dn, "User \(i)",
                twoLines ? String(20_000_001 + 2 * i) : "", twoLines ? "User \(i) L2" : "",
            ])
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return GeneratedBATFile(path: path, rejectedLines: rejected, rows: range.count)
    }
}

extension Harness {
    /// Files in `relative` that are atomic writers' leftovers, `.NAME.tmp.*`.
    func temporaryFiles(in relative: String) -> [String] {
        ((try? files(in: relative)) ?? []).filter { $0.hasPrefix(".") && $0.contains(".tmp.") }
    }

    /// Facts about the store that must hold whatever happened to the processes that wrote it.
    func checkStoreInvariants() throws -> [String] {
        var problems: [String] = []
        if backend == .sqlite {
            // PostgreSQL enforces its foreign keys as it writes; SQLite's file is checked.
            try query { db in
                let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
                if integrity != ["ok"] { problems.append("integrity_check: \(integrity)") }
                let foreignKeys = try Row.fetchAll(db, sql: "PRAGMA foreign_key_check")
                if !foreignKeys.isEmpty { problems.append("foreign_key_check: \(foreignKeys.count) rows") }
            }
        }
        do {
            let checks: [(String, String)] = [
                (
                    "devices without exactly one outstanding code",
                    """
                    SELECT COUNT(*) FROM device d WHERE (SELECT COUNT(*) FROM activation_code c
                    WHERE c.device_id = d.id AND c.status = 'outstanding') != 1
                    """
                ),
                (
                    "codes without a device",
                    """
                    SELECT COUNT(*) FROM activation_code c
                    WHERE NOT EXISTS (SELECT 1 FROM device d WHERE d.id = c.device_id)
                    """
                ),
                (
                    "devices without a line",
                    "SELECT COUNT(*) FROM device d WHERE NOT EXISTS (SELECT 1 FROM line l WHERE l.device_id = d.id)"
                ),
                ("unfinished jobs", "SELECT COUNT(*) FROM job WHERE finished_at IS NULL"),
                (
                    "devices of an unfinished or missing job",
                    """
                    SELECT COUNT(*) FROM device d
                    WHERE NOT EXISTS (SELECT 1 FROM job j WHERE j.id = d.job_id AND j.finished_at IS NOT NULL)
                    """
                ),
                (
                    "jobs whose accepted count differs from their accepted rows",
                    """
                    SELECT COUNT(*) FROM job j
                    WHERE j.accepted
                        != (SELECT COUNT(*) FROM job_row r WHERE r.job_id = j.id AND r.outcome = 'accepted')
                    """
                ),
                (
                    // A device an undo brought back keeps the job that created it; one a later job removed is gone.
                    "accepted rows without their device",
                    """
                    SELECT COUNT(*) FROM job_row r WHERE r.outcome = 'accepted'
                    AND NOT EXISTS (SELECT 1 FROM device d WHERE d.id = r.device_id
                        AND (d.job_id = r.job_id OR (SELECT kind FROM job j WHERE j.id = r.job_id) = 'undo'))
                    AND NOT EXISTS (SELECT 1 FROM job_row x WHERE x.device_id = r.device_id AND x.job_id > r.job_id
                        AND x.outcome = 'deleted')
                    """
                ),
                (
                    "jobs whose updated or deleted counts differ from their rows",
                    """
                    SELECT COUNT(*) FROM job j
                    WHERE j.updated != (SELECT COUNT(*) FROM job_row r WHERE r.job_id = j.id AND r.outcome = 'updated')
                    OR j.deleted != (SELECT COUNT(*) FROM job_row r WHERE r.job_id = j.id AND r.outcome = 'deleted')
                    """
                ),
                (
                    "updated or deleted rows without the device as it was",
                    """
                    SELECT COUNT(*) FROM job_row WHERE outcome IN ('updated', 'deleted')
                    AND (before_json IS NULL OR device_id IS NULL)
                    """
                ),
                (
                    "deleted devices that still exist",
                    """
                    SELECT COUNT(*) FROM job_row r JOIN device d ON d.id = r.device_id WHERE r.outcome = 'deleted'
                    AND NOT EXISTS (SELECT 1 FROM job_row x WHERE x.device_id = r.device_id AND x.job_id > r.job_id
                        AND x.outcome = 'accepted')
                    """
                ),
                ("duplicate device names", "SELECT COUNT(*) - COUNT(DISTINCT name) FROM device"),
                ("duplicate MACs", "SELECT COUNT(mac) - COUNT(DISTINCT mac) FROM device"),
                ("duplicate natural keys", "SELECT COUNT(*) - COUNT(DISTINCT natural_key) FROM device"),
                (
                    "duplicate outstanding identities",
                    "SELECT COUNT(*) - COUNT(DISTINCT identity) FROM activation_code WHERE status = 'outstanding'"
                ),
            ]
            for (what, sql) in checks {
                let n = try count(sql)
                if n != 0 { problems.append("\(what): \(n)") }
            }
        }
        return problems
    }

    /// Checks every output file under `out` that has its final name: each config file is complete,
    /// well-formed and valid against the shipped XSD and names a device of the store; the code
    /// export, when present, has one complete row per outstanding code of `expectedCodes` devices.
    func checkOutputs(_ out: String, expectedCodes: Int? = nil) throws -> [String] {
        var problems: [String] = []
        let names = Set(try strings("SELECT name FROM device"))
        if exists(out + "/tftp") {
            let validator = try XMLSchemaValidator(schemaPath: Harness.repo("Templates/device-config.xsd"))
            for file in try files(in: out + "/tftp") where !file.hasPrefix(".") {
                guard file.hasSuffix(".cnf.xml") else {
                    problems.append("unexpected file tftp/\(file)")
                    continue
                }
                let issues = validator.validate(fileAt: path(out + "/tftp/" + file))
                if !issues.isEmpty { problems.append("tftp/\(file): \(issues)") }
                if !names.contains(String(file.dropLast(".cnf.xml".count))) {
                    problems.append("tftp/\(file) names no device in the store")
                }
            }
        }
        if exists(out + "/activation-codes.csv") {
            let text = try read(out + "/activation-codes.csv")
            let rows = csvRows(text)
            if !text.hasSuffix("\r\n") { problems.append("activation-codes.csv does not end with a line break") }
            if rows.first != ActivationCodeExport.header {
                problems.append("activation-codes.csv header: \(rows.first ?? [])")
            }
            for row in rows.dropFirst() where row.count != 6 || row[4].count != 16 || !names.contains(row[0]) {
                problems.append("activation-codes.csv row: \(row)")
                break
            }
            if let expectedCodes, rows.count - 1 != expectedCodes {
                problems.append("activation-codes.csv has \(rows.count - 1) codes, expected \(expectedCodes)")
            }
        }
        return problems
    }
}
