import Foundation
import GRDB
import MRABatKit

/// The machine's own limits, measured in the same run: what each pipeline stage is compared to.
enum Yardstick {
    /// Seconds to keep each loop running: long enough to be stable, short enough for a benchmark.
    static let duration = 2.0

    /// SRP verifiers per second on one core, two ways, measured in alternating rounds so that
    /// a change of load on the machine hits both alike: `openSSL`, the verifier computed with
    /// OpenSSL's generic `BN_mod_exp_mont_consttime` (a 2048-bit modular exponentiation with a
    /// 256-bit exponent — the yardstick); `fixedBase`, mrabat's own `SRP.makeVerifier` from the
    /// group's table of powers of g. Both include the same two SHA-256 of x.
    static func verifiersPerSecond() throws -> (openSSL: Double, fixedBase: Double) {
        let salt = [UInt8](repeating: 7, count: 16)
        // Built before the clock starts: the table is made once per process.
        _ = try SRP.makeVerifier(identity: "ac1-bench", password: "0", salt: salt, parameters: .mrabat)
        let rounds = 4
        var openSSL = (count: 0, seconds: 0.0)
        var fixedBase = (count: 0, seconds: 0.0)
        for _ in 0..<rounds {
            let generic = try run(for: duration / Double(rounds)) { index in
                _ = try SRP.makeVerifierWithOpenSSL(
                    identity: "ac1-bench", password: String(format: "%016d", index), salt: salt, parameters: .mrabat)
            }
            let table = try run(for: duration / Double(rounds)) { index in
                _ = try SRP.makeVerifier(
                    identity: "ac1-bench", password: String(format: "%016d", index), salt: salt, parameters: .mrabat)
            }
            openSSL = (openSSL.count + generic.count, openSSL.seconds + generic.seconds)
            fixedBase = (fixedBase.count + table.count, fixedBase.seconds + table.seconds)
        }
        return (Double(openSSL.count) / openSSL.seconds, Double(fixedBase.count) / fixedBase.seconds)
    }

    /// The table behind ``verifiersPerSecond()``'s fixed-base figure, for the report.
    static func fixedBaseTable() throws -> String {
        let table = try SRPParameters.mrabat.group.generatorPowers()
        return String(
            format: "%.0f KB table, %d-bit digits, %@", Double(table.tableByteCount) / 1024, table.windowBits,
            table.implementation as NSString)
    }

    /// Codes issued per second by mrabat's own ``CodeIssuer`` on `jobs` tasks, nothing else running:
    /// what code issuance reaches when no other stage shares the cores.
    static func issuancePerSecond(count: Int, jobs: Int, keyFile: String) throws -> Double {
        let vault = try CodeVault.openOrCreate(keyFile: keyFile)
        let box = ResultBox()
        let done = DispatchSemaphore(value: 0)
        // The benchmark's entry point is synchronous; this bridges to the async issuer once.
        Task {
            let start = ContinuousClock.now
            do {
                _ = try await CodeIssuer.issue(count: count, vault: vault, jobs: jobs)
                let elapsed = ContinuousClock.now - start
                box.result = .success(
                    Double(count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
                )
            } catch {
                box.result = .failure(error)
            }
            done.signal()
        }
        done.wait()
        guard let result = box.result else { throw BenchError("code issuance finished without a result") }
        return try result.get()
    }

    final class ResultBox: @unchecked Sendable {
        /// Written by the task before it signals, read after the wait: never at the same time.
        var result: Result<Double, Error>?
    }

    /// 2 KB files created (open, write, close) in one fresh directory.
    static func filesPerSecond(in directory: String) throws -> Double {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let bytes = [UInt8](repeating: 0x41, count: 2048)
        return try rate { index in
            let fd = open("\(directory)/f\(index).xml", O_WRONLY | O_CREAT | O_EXCL, 0o644)
            guard fd >= 0 else { throw BenchError("cannot create a file in \(directory)") }
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
    }

    /// Rows inserted by one prepared statement in one transaction (a device-sized row).
    static func sqliteInsertsPerSecond(path: String) throws -> Double {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(
                sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, a TEXT, b TEXT, c INTEGER, d BLOB)")
        }
        var result = 0.0
        try queue.write { db in
            let statement = try db.makeStatement(sql: "INSERT INTO t (name, a, b, c, d) VALUES (?, ?, ?, ?, ?)")
            let blob = Data(repeating: 1, count: 256)
            result = try rate { index in
                try statement.execute(arguments: ["BAT\(index)", "Cisco 8845", "DP-Dallas", index, blob])
            }
        }
        return result
    }

    private static func rate(_ body: (Int) throws -> Void) rethrows -> Double {
        let (count, seconds) = try run(for: duration, body)
        return Double(count) / seconds
    }

    /// Runs `body` (in batches of 64) until `duration` seconds have passed; returns the count and
    /// the seconds taken.
    private static func run(for duration: Double, _ body: (Int) throws -> Void) rethrows -> (
        count: Int, seconds: Double
    ) {
        let clock = ContinuousClock()
        let start = clock.now
        var count = 0
        while true {
            for _ in 0..<64 {
                try body(count)
                count += 1
            }
            let elapsed = clock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            if seconds >= duration { return (count, seconds) }
        }
    }
}
