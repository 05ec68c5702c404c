import Foundation
import Synchronization

/// A `mrabat serve` child process: its URLs once bound, SIGTERM, its output.
final class RunningServer: Sendable {
    let pid: Int32
    /// `https://127.0.0.1:PORT`
    let https: String
    /// `http://127.0.0.1:PORT`
    let config: String
    private let process: ProcessBox
    private let output: SharedText
    private let errors: SharedText

    /// `Process` is not Sendable; this box is only touched to wait for and signal the child.
    private final class ProcessBox: @unchecked Sendable {
        let process: Process
        init(_ process: Process) { self.process = process }
    }

    private init(process: Process, https: String, config: String, output: SharedText, errors: SharedText) {
        self.process = ProcessBox(process)
        self.pid = process.processIdentifier
        self.https = https
        self.config = config
        self.output = output
        self.errors = errors
    }

    /// Starts the server and waits (at most 30 s) for its two "listening" lines, polling with
    /// `Task.sleep` so that the wait holds no thread of the cooperative pool.
    static func start(binary: String, arguments: [String]) async throws -> RunningServer {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let output = SharedText()
        let errors = SharedText()
        out.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            output.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
        err.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            errors.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while true {
            let text = output.withLock { $0 }
            let https = Self.url(in: text, scheme: "https://")
            let config = Self.url(in: text, scheme: "http://")
            if let https, let config {
                return RunningServer(process: process, https: https, config: config, output: output, errors: errors)
            }
            guard process.isRunning, Date() < deadline else {
                if process.isRunning { process.terminate() }
                throw FixtureError("mrabat serve did not start: \(errors.withLock { $0 })")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    private static func url(in text: String, scheme: String) -> String? {
        for line in text.split(separator: "\n")
        where line.contains("activation service") || line.contains("config files") {
            guard let range = line.range(of: scheme) else { continue }
            let rest = line[range.upperBound...]
            let hostPort = rest.prefix { $0 != "/" }
            return scheme + hostPort
        }
        return nil
    }

    var stdout: String { output.withLock { $0 } }
    var stderr: String { errors.withLock { $0 } }
    var isRunning: Bool { process.process.isRunning }

    /// Sends SIGTERM and waits (at most `timeout`) for the exit status; SIGKILL if it does not stop.
    @discardableResult
    func stop(timeout: TimeInterval = 30) throws -> Int32 {
        guard process.process.isRunning else { return process.process.terminationStatus }
        kill(pid, SIGTERM)
        return try wait(timeout: timeout)
    }

    /// Waits (at most `timeout`) for the server to exit by itself.
    func wait(timeout: TimeInterval) throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.process.isRunning {
            if Date() > deadline {
                kill(pid, SIGKILL)
                throw FixtureError("mrabat serve did not exit within \(timeout) s")
            }
            usleep(10_000)
        }
        return process.process.terminationStatus
    }

    deinit {
        if process.process.isRunning { kill(pid, SIGKILL) }
    }
}

/// Text appended by one thread (a pipe's handler) and read by others.
final class SharedText: Sendable {
    private let text = Mutex("")

    func withLock<T>(_ body: (inout String) -> T) -> T { text.withLock { body(&$0) } }
}
