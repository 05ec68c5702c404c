import ArgumentParser
import Foundation
import GRDB
import MRABatKit
import MRABatServer
import NIOSSL
import Synchronization

/// `mrabat-bench serve`: the real `mrabat serve` on loopback under a bounded load of phones.
///
/// Each simulated phone has its own MIC (made in process by a test MIC CA), opens its own TLS
/// connection with it as the client certificate — as a real phone does — and runs the phone's side of
/// SRP-6a (``ActivationClient``). Levels of 1, 8 and 64 concurrent phones each activate a fixed number
/// of fresh codes; the run reports activations per second, p50/p99 latency of the whole activation
/// (TLS handshake, start, finish with its durable commit), and the CPU seconds the server and the
/// load client spent per activation. Config downloads are measured with `wrk` against one file.
/// Everything is bounded: a fixed number of activations, a fixed wrk duration, timeouts on each wait.
struct ServeLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Load-test `mrabat serve` on 127.0.0.1: activations/s and config downloads/s.")

    @Option(help: "Concurrent phones per level, comma-separated.") var clients: String = "1,8,64"
    @Option(help: "Activations per level, comma-separated (one per level).") var activations: String = "200,800,3000"
    @Option(help: "Seconds of wrk per config download run.") var wrkSeconds: Int = 10
    @Option(help: "Scratch folder (a fresh subfolder is made per run).") var work: String = "/tmp/mrabat-bench"
    @Option(help: "The package root (SampleData/, Templates/).") var repo: String = "."
    @Option(help: "Write results as JSON here.") var json: String = "Benchmarks/serve-results.json"
    @Flag(
        help:
            "Phones offer BoringSSL's default key exchange (post-quantum hybrid X25519MLKEM768 first) instead of classic ECDHE only (X25519, P-256): phones offer no post-quantum hybrid."
    )
    var postQuantum = false

    func run() async throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("mrabat").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw BenchError("build mrabat first: \(binary) is missing (swift build -c release)")
        }
        let levels = clients.split(separator: ",").compactMap { Int($0) }
        let counts = activations.split(separator: ",").compactMap { Int($0) }
        guard levels.count == counts.count, !levels.isEmpty, levels.allSatisfy({ $0 >= 1 }),
            counts.allSatisfy({ $0 >= 1 })
        else { throw BenchError("--clients and --activations need the same number of positive values") }
        let directory =
            work + "/serve-" + ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        print("mrabat serve load — \(cores) cores, binary \(binary), folder \(directory)")
        print(
            postQuantum
                ? "phones offer BoringSSL's default TLS key exchange (X25519MLKEM768 first)"
                : "phones offer classic ECDHE only (X25519, P-256), no post-quantum hybrid; --post-quantum for it"
        )

        // PKI, cluster, store with one fresh code per activation to run.
        let pki = try LoadPKI(directory: directory)
        let total = counts.reduce(0, +)
        let phones = try prepareStore(binary: binary, directory: directory, pki: pki, count: total)
        let factory = try MICFactory(caCertificate: pki.micCA, caKey: pki.micCAKey)
        let micStart = ContinuousClock.now
        let mics = try phones.enumerated().map { index, phone in try factory.make(mac: phone.mac, serial: index + 1) }
        print(String(format: "%d MICs made in %.2f s", mics.count, seconds(ContinuousClock.now - micStart)))
        let serverCAPEM = try [UInt8](Data(contentsOf: URL(fileURLWithPath: pki.serverCA)))

        let server = try ServerProcess.start(
            binary: binary,
            arguments: [
                "serve", "--db", directory + "/store.sqlite", "--listen", "127.0.0.1:0", "--config-listen",
                "127.0.0.1:0", "--tls-cert", pki.serverCertificate, "--tls-key", pki.serverKey,
            ], log: directory + "/serve.log")
        var results: [[String: Any]] = []
        var offset = 0
        let verifierSeconds = 1 / (try Yardstick.verifiersPerSecond().openSSL)
        for (level, count) in zip(levels, counts) {
            let slice = Array(zip(phones[offset..<(offset + count)], mics[offset..<(offset + count)]))
            offset += count
            let load0 = Self.loadAverage()
            let serverCPU0 = try server.cpuSeconds()
            let clientCPU0 = Self.ownCPUSeconds()
            let run = try await Self.activate(
                slice, level: level, server: server.https, serverCAPEM: serverCAPEM,
                keyExchange: postQuantum ? nil : ActivationClient.classicKeyExchange)
            let serverCPU = try server.cpuSeconds() - serverCPU0
            let clientCPU = Self.ownCPUSeconds() - clientCPU0
            let load1 = Self.loadAverage()
            let perSecond = Double(run.succeeded) / run.seconds
            let serverMS: Double = serverCPU / Double(count) * 1000
            let clientMS: Double = clientCPU / Double(count) * 1000
            let modexpMS: Double = 3 * verifierSeconds * 1000
            let line =
                String(
                    format: "%2d phones: %4d activations in %.2f s = %.0f/s; ", level, run.succeeded, run.seconds,
                    perSecond)
                + String(
                    format: "latency p50 %.1f ms, p99 %.1f ms; %d failed; ", run.p50 * 1000, run.p99 * 1000, run.failed)
                + String(
                    format: "CPU per activation: server %.2f ms, load client %.2f ms (3 modexps = %.2f ms); ", serverMS,
                    clientMS, modexpMS)
                + String(format: "machine load %.1f → %.1f", load0, load1)
            print(line)
            if let error = run.firstError { print("   first failure: \(error)") }
            results.append([
                "clients": level, "activations": run.succeeded, "failed": run.failed, "seconds": run.seconds,
                "perSecond": perSecond, "p50Milliseconds": run.p50 * 1000, "p99Milliseconds": run.p99 * 1000,
                "serverCPUMillisecondsPerActivation": serverCPU / Double(count) * 1000,
                "clientCPUMillisecondsPerActivation": clientCPU / Double(count) * 1000,
                // Other processes' load on the 2 cores: with other builds running, every figure above is lower.
                "loadAverageBefore": load0, "loadAverageAfter": load1,
            ])
        }
        let metrics = try await Self.fetch(server.config + "/metrics")
        let batches = Self.metric(metrics, "mrabat_store_batches_total")
        let writes = Self.metric(metrics, "mrabat_store_batched_writes_total")
        print(
            String(
                format: "store: %.0f writes in %.0f transactions (%.1f per group commit)", writes, batches,
                writes / max(batches, 1)))

        var downloads: [String: Any] = [:]
        if let first = phones.first {
            let url = server.config + "/SEP\(first.mac).cnf.xml"
            if let rate = try Self.wrk(url: url, seconds: wrkSeconds) {
                print(String(format: "config downloads (wrk -t2 -c64, %d s, %@): %.0f/s", wrkSeconds, url, rate))
                downloads = ["perSecond": rate, "tool": "wrk -t2 -c64", "seconds": wrkSeconds]
            } else {
                print("config downloads: wrk is not installed (apt-get install wrk); not measured")
            }
        }
        let status = try server.stop()
        let activated = try await DatabaseQueue(path: directory + "/store.sqlite").read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM device WHERE activated_at IS NOT NULL") ?? 0
        }
        print("server exited \(status) after SIGTERM; \(activated) devices activated in the store")
        let document: [String: Any] = [
            "cores": cores, "levels": results, "configDownloads": downloads, "groupCommits": batches,
            "batchedWrites": writes, "modexpMilliseconds": verifierSeconds * 1000, "serverExit": Int(status),
            "phoneKeyExchange": postQuantum ? "X25519MLKEM768 (BoringSSL default)" : "X25519, P-256",
        ]
        let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
        try FileManager.default.createDirectory(
            atPath: (json as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: json))
        print("wrote \(json)")
    }

    struct Phone: Sendable {
        var code: ActivationCode
        var mac: String
        var address: MACAddress
        var model: String
    }

    struct LevelResult {
        var succeeded: Int
        var failed: Int
        var seconds: Double
        var p50: Double
        var p99: Double
        var firstError: String?
    }

    /// `count` BAT phones (Cisco 8845, no MAC) inserted by the real `mrabat insert`, with their codes.
    private func prepareStore(binary: String, directory: String, pki: LoadPKI, count: Int) throws -> [Phone] {
        let clusterText = try String(contentsOfFile: repo + "/SampleData/cluster.yaml", encoding: .utf8)
            .replacingOccurrences(of: "micCAs: []", with: "micCAs: [\"\(pki.micCA)\"]")
        try clusterText.write(toFile: directory + "/cluster.yaml", atomically: true, encoding: .utf8)
        var csv = "MAC ADDRESS,DESCRIPTION,DEVICE TYPE,DEVICE POOL,OWNER USER ID,DIRECTORY NUMBER 1,DISPLAY 1\n"
        for index in 0..<count {
            csv += ",Load phone \(index),Cisco 8845,DP-Dallas,load.user\(index),\(6_000_000 + index),Load \(index)\n"
        }
        try csv.write(toFile: directory + "/phones.csv", atomically: true, encoding: .utf8)
        let insert = try ChildProcess.run(
            binary,
            [
                "insert", directory + "/phones.csv", "--cluster", directory + "/cluster.yaml", "--template",
                repo + "/Templates/mra-8845-1line.yaml", "--out", directory + "/out", "--db",
                directory + "/store.sqlite",
                "--quiet",
            ])
        guard insert.status == 0 else { throw BenchError("mrabat insert exited \(insert.status)") }
        let export = try String(contentsOfFile: directory + "/out/activation-codes.csv", encoding: .utf8)
        var phones: [Phone] = []
        for (index, line) in export.split(whereSeparator: \.isNewline).dropFirst().enumerated() {
            let fields = line.split(separator: ",")
            guard fields.count >= 2, let code = ActivationCode(userInput: String(fields[fields.count - 2])) else {
                throw BenchError("unreadable export line: \(line)")
            }
            let mac = String(format: "0A%010X", index + 1)
            guard let address = MACAddress(parsing: mac) else { throw BenchError("bad generated MAC \(mac)") }
            phones.append(Phone(code: code, mac: mac, address: address, model: "8845"))
        }
        guard phones.count == count else { throw BenchError("expected \(count) codes, got \(phones.count)") }
        return phones
    }

    /// Runs `phones` through `level` concurrent workers, each phone on its own TLS connection with its MIC.
    private static func activate(
        _ phones: [(Phone, MICFactory.MIC)], level: Int, server: String, serverCAPEM: [UInt8],
        keyExchange: [NIOTLSCurve]?
    ) async throws -> LevelResult {
        let next = NextIndex()
        let start = ContinuousClock.now
        let outcomes = try await withThrowingTaskGroup(of: [(Double, String?)].self) { group in
            for _ in 0..<level {
                group.addTask {
                    var own: [(Double, String?)] = []
                    while true {
                        let index = next.take()
                        guard index < phones.count else { return own }
                        let (phone, mic) = phones[index]
                        let began = ContinuousClock.now
                        var failure: String?
                        var latency = 0.0
                        do {
                            let client = try ActivationClient(
                                server: server, micPEM: mic.certificatePEM, micKeyPEM: mic.keyPEM,
                                serverCAPEM: serverCAPEM, keyExchange: keyExchange)
                            do {
                                _ = try await client.activate(
                                    code: phone.code, mac: phone.address, model: phone.model)
                            } catch {
                                failure = "\(error)"
                            }
                            // The phone is done once it holds M2; closing its connection is not part of the wait.
                            latency = seconds(ContinuousClock.now - began)
                            await client.shutdown()
                        } catch {
                            failure = "\(error)"
                            latency = seconds(ContinuousClock.now - began)
                        }
                        own.append((latency, failure))
                    }
                }
            }
            var all: [(Double, String?)] = []
            for try await part in group { all += part }
            return all
        }
        let elapsed = seconds(ContinuousClock.now - start)
        let latencies = outcomes.filter { $0.1 == nil }.map(\.0).sorted()
        func percentile(_ p: Double) -> Double {
            latencies.isEmpty
                ? 0 : latencies[min(latencies.count - 1, Int((Double(latencies.count) * p).rounded(.up)) - 1)]
        }
        return LevelResult(
            succeeded: latencies.count, failed: outcomes.count - latencies.count, seconds: elapsed,
            p50: percentile(0.50), p99: percentile(0.99), firstError: outcomes.first { $0.1 != nil }?.1)
    }

    /// The one-minute load average (`/proc/loadavg`), 0 where there is none.
    private static func loadAverage() -> Double {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        return text.split(separator: " ").first.flatMap { Double($0) } ?? 0
    }

    private static func ownCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    /// `wrk`'s requests per second for `url`, or nil when wrk is not installed.
    private static func wrk(url: String, seconds: Int) throws -> Double? {
        let path = "/usr/bin/wrk"
        guard FileManager.default.isExecutableFile(atPath: path) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["-t2", "-c64", "-d\(seconds)s", url]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Requests/sec:") }),
            let value = Double(line.split(separator: " ").last ?? "")
        else { throw BenchError("wrk printed no Requests/sec:\n\(text)") }
        if text.contains("Non-2xx") { throw BenchError("wrk saw non-2xx answers:\n\(text)") }
        return value
    }

    private static func fetch(_ url: String) async throws -> String {
        guard let url = URL(string: url) else { throw BenchError("bad URL \(url)") }
        // FoundationNetworking is not linked into the bench; curl is on every machine this runs on.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "--max-time", "10", url.absoluteString]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError("curl \(url) exited \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    private static func metric(_ text: String, _ name: String) -> Double {
        text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
            ?? 0
    }
}

/// The next phone for a load worker to take, shared by all of them.
private final class NextIndex: Sendable {
    private let value = Mutex(0)

    func take() -> Int {
        value.withLock { value in
            defer { value += 1 }
            return value
        }
    }
}

private func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// The load run's certificates, made with the openssl command: a server CA and certificate for
/// 127.0.0.1, and a MIC CA whose key signs the phones' MICs.
struct LoadPKI {
    let serverCA: String
    let serverCertificate: String
    let serverKey: String
    let micCA: String
    let micCAKey: String

    init(directory: String) throws {
        serverCA = directory + "/server-ca.pem"
        serverCertificate = directory + "/server.pem"
        serverKey = directory + "/server.key"
        micCA = directory + "/mic-ca.pem"
        micCAKey = directory + "/mic-ca.key"
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        let caExtensions = ["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"]
        try Self.openssl(
            ["req", "-x509"] + ec + [
                "-keyout", directory + "/server-ca.key", "-out", serverCA, "-days", "2", "-subj", "/CN=load server CA",
            ] + caExtensions)
        try Self.openssl(
            ["req"] + ec + ["-keyout", serverKey, "-out", directory + "/server.csr", "-subj", "/CN=127.0.0.1"])
        try "subjectAltName=IP:127.0.0.1\n".write(toFile: directory + "/server.ext", atomically: true, encoding: .utf8)
        try Self.openssl([
            "x509", "-req", "-in", directory + "/server.csr", "-CA", serverCA, "-CAkey", directory + "/server-ca.key",
            "-CAcreateserial", "-out", serverCertificate, "-days", "2", "-extfile", directory + "/server.ext",
        ])
        try Self.openssl(
            ["req", "-x509"] + ec + [
                "-keyout", micCAKey, "-out", micCA, "-days", "2", "-subj", "/O=Cisco/CN=load MIC CA",
            ] + caExtensions)
    }

    private static func openssl(_ arguments: [String]) throws {
        let result = try ChildProcess.run("/usr/bin/openssl", arguments)
        guard result.status == 0 else { throw BenchError("openssl \(arguments.joined(separator: " ")) failed") }
    }
}

/// `mrabat serve` as a child process: its two URLs once bound, its CPU time, SIGTERM.
final class ServerProcess {
    let process: Process
    let https: String
    let config: String

    private init(process: Process, https: String, config: String) {
        self.process = process
        self.https = https
        self.config = config
    }

    static func start(binary: String, arguments: [String], log: String) throws -> ServerProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        // A file that could not be made fails FileHandle(forWritingTo:) below, with its reason.
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try process.run()
        var https: String?
        var config: String?
        var buffer = ""
        let deadline = Date().addingTimeInterval(30)
        while https == nil || config == nil {
            guard Date() < deadline, process.isRunning else {
                throw BenchError("mrabat serve did not start; see \(log)")
            }
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { continue }
            buffer += String(decoding: data, as: UTF8.self)
            for line in buffer.split(separator: "\n") {
                if let range = line.range(of: "https://") {
                    https = String(line[range.lowerBound...]).replacingOccurrences(of: "/activation/v1/", with: "")
                }
                if let range = line.range(of: "http://") {
                    config = String(line[range.lowerBound...]).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
                }
            }
        }
        return ServerProcess(process: process, https: https ?? "", config: config ?? "")
    }

    /// User + system CPU seconds of the server so far (`/proc/PID/stat`).
    func cpuSeconds() throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8)
        guard let close = stat.lastIndex(of: ")") else { throw BenchError("unreadable /proc stat") }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command: state is field 3, utime field 14, stime field 15 (1-based over the whole line).
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else {
            throw BenchError("unreadable /proc stat")
        }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// SIGTERM, then the exit status (bounded: 30 s).
    func stop() throws -> Int32 {
        process.terminate()
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning {
            guard Date() < deadline else {
                kill(process.processIdentifier, SIGKILL)
                throw BenchError("mrabat serve did not stop within 30 s of SIGTERM")
            }
            usleep(20_000)
        }
        return process.terminationStatus
    }
}
