import Foundation
import MRABatKit
import TestSupport

/// A fresh store with test phones, the test PKI, and the built `mrabat` binary to run against them.
struct ServeFixture: Sendable {
    /// The package root (see ``BuiltPackage``).
    static var root: URL { BuiltPackage.root }

    /// The built `mrabat` binary (see ``BuiltPackage``).
    static var binary: String { BuiltPackage.binary }

    /// One provisioned phone: its device name, owner and code.
    struct Phone: Sendable {
        var device: String
        var owner: String
        var code: String
    }

    let directory: String
    let pki: TestPKI
    let serverCA: TestPKI.Issued
    let server: TestPKI.Issued
    let micCA: TestPKI.Issued
    let backend: TestBackend
    /// `--db`: the SQLite file, or a fresh PostgreSQL database's URL.
    let db: String
    /// `--key` for a PostgreSQL store (an SQLite file's key sits next to it).
    var keyArguments: [String] { backend == .postgres ? ["--key", directory + "/mrabat.key"] : [] }
    /// The phones in CSV order (BAT names, model Cisco 8845).
    let phones: [Phone]

    /// Owners of the test phones: alice has two, everyone else one.
    static let owners = [
        "alice", "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory",
    ]

    /// - Parameter phones: how many phones to provision (they cycle through ``owners``).
    init(
        _ label: String, phones count: Int = 12, showPhonesReadyToActivate: Bool = true,
        backend: TestBackend = .sqlite
    ) async throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "mrabat-serve-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        directory = url.path
        self.backend = backend
        db = backend == .sqlite ? url.path + "/mrabat.sqlite" : try TestPostgres.freshDatabase("serve-\(label)")
        pki = try TestPKI("serve-\(label)")
        serverCA = try pki.makeCA("server-ca")
        server = try pki.makeServerCertificate(by: serverCA)
        micCA = try pki.makeCA("mic-ca")

        var cluster = try String(contentsOfFile: Self.repo("SampleData/cluster.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "micCAs: []", with: "micCAs: [\"\(micCA.certificate)\"]")
        if !showPhonesReadyToActivate {
            cluster = cluster.replacingOccurrences(
                of: "showPhonesReadyToActivate: true", with: "showPhonesReadyToActivate: false")
        }
        try cluster.write(toFile: directory + "/cluster.yaml", atomically: true, encoding: .utf8)
        var csv = "MAC ADDRESS,DESCRIPTION,DEVICE TYPE,DEVICE POOL,OWNER USER ID,DIRECTORY NUMBER 1,DISPLAY 1\n"
        for index in 0..<count {
            let owner = Self.owners[index % Self.owners.count]
            csv += ",Desk phone \(index) of \(owner),Cisco 8845,DP-Dallas,\(owner),\(7_100 + index),\(owner)\n"
        }
        try csv.write(toFile: directory + "/phones.csv", atomically: true, encoding: .utf8)
        if backend == .postgres {
            let initialised = try await Self.run(["init", "--cluster", directory + "/cluster.yaml", "--db", db])
            guard initialised.status == 0 else {
                throw FixtureError("mrabat init exited \(initialised.status): \(initialised.stderr)")
            }
        }
        let insert = try await Self.run(
            [
                "insert", directory + "/phones.csv", "--cluster", directory + "/cluster.yaml", "--template",
                Self.repo("Templates/mra-8845-1line.yaml"), "--out", directory + "/out", "--db", db, "--quiet",
            ] + (backend == .postgres ? ["--key", directory + "/mrabat.key"] : []))
        guard insert.status == 0 else { throw FixtureError("mrabat insert exited \(insert.status): \(insert.stderr)") }
        let export = try String(contentsOfFile: directory + "/out/activation-codes.csv", encoding: .utf8)
        var phones: [Phone] = []
        for line in export.split(whereSeparator: \.isNewline).dropFirst() {
            // Device Name,Description,Device Type,Owner User ID,Activation Code,Expiry; the description has no comma.
            let fields = line.split(separator: ",").map(String.init)
            phones.append(Phone(device: fields[0], owner: fields[3], code: fields[4]))
        }
        guard phones.count == count else { throw FixtureError("expected \(count) codes, got \(phones.count)") }
        self.phones = phones
    }

    static func repo(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// A MIC for `mac` (CN=CP-8845-SEP<MAC>) signed by the cluster's trusted MIC CA, and its key.
    func mic(_ mac: String, file: String? = nil) throws -> (certificate: String, key: String) {
        let certificate = try pki.makeMIC(
            mac: mac, by: micCA, file: file ?? "mic-\(mac)-\(UUID().uuidString.prefix(8))")
        return (certificate, TestPKI.key(ofCertificate: certificate))
    }

    struct Output: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `mrabat arguments…` to completion (bounded: 120 s).
    @discardableResult
    static func run(_ arguments: [String], timeout: TimeInterval = 120) async throws -> Output {
        try await runChild(binary, arguments, timeout: timeout, name: "mrabat \(arguments.first ?? "")")
    }

    /// Runs `executable arguments…` to completion, at most `timeout` seconds (then it is terminated and
    /// the run throws, naming it `name`); both pipes are read while it runs.
    ///
    /// Polls with `Task.sleep`, not `usleep`: a blocked thread of the cooperative pool (two on two cores)
    /// stalls every other test's tasks, the servers' clients among them.
    static func runChild(_ executable: String, _ arguments: [String], timeout: TimeInterval, name: String)
        async throws -> Output
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let reader = PipeReader(out, err)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline {
                process.terminate()
                throw FixtureError("\(name) did not finish within \(Int(timeout)) s")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        let (stdout, stderr) = reader.finish()
        return Output(status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }

    /// Starts `mrabat serve` on 127.0.0.1 with ephemeral ports and `extra` options.
    func serve(_ extra: [String] = []) async throws -> RunningServer {
        try await RunningServer.start(
            binary: Self.binary,
            arguments: [
                "serve", "--db", db, "--listen", "127.0.0.1:0", "--config-listen", "127.0.0.1:0", "--tls-cert",
                server.certificate, "--tls-key", server.key,
            ] + keyArguments + extra)
    }
}

/// Drains a process's stdout and stderr on background threads, so a chatty child never blocks.
final class PipeReader: @unchecked Sendable {
    // Each buffer is written by its own thread and read only after `finish()` has joined both.
    private var out = Data()
    private var err = Data()
    private let group = DispatchGroup()

    init(_ stdout: Pipe, _ stderr: Pipe) {
        group.enter()
        group.enter()
        Thread.detachNewThread { [self] in
            out = stdout.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        Thread.detachNewThread { [self] in
            err = stderr.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
    }

    func finish() -> (String, String) {
        group.wait()
        return (String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
