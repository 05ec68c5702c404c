import Foundation

/// Certificates made with the `openssl` command for MIC and trust tests: CAs, MICs, plain leaves.
/// Shared by the library tests and the end-to-end tests.
public struct TestPKI: Sendable {
    public let directory: String

    public init(_ label: String = "pki") throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mrabat-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        directory = url.path
    }

    public struct Issued: Sendable {
        public var certificate: String
        public var key: String
    }

    /// A self-signed CA (`CA:TRUE`, `keyCertSign`), valid `days` from now (negative: already expired).
    public func makeCA(_ name: String, days: Int = 3650) throws -> Issued {
        let issued = Issued(certificate: "\(directory)/\(name).pem", key: "\(directory)/\(name).key")
        try Self.openssl(
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", issued.key, "-out", issued.certificate, "-days", "\(days)",
                "-subj", "/O=Cisco/CN=\(name)",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ], in: directory)
        return issued
    }

    /// A certificate for `subject` signed by `ca`; a MIC when the subject carries `SEP<MAC>`.
    ///
    /// - Parameters:
    ///   - days: validity from now; -1 makes a certificate that has already expired.
    ///   - isCA: issue an intermediate CA instead of an end-entity certificate.
    public func issue(_ subject: String, by ca: Issued, days: Int = 365, isCA: Bool = false, file: String) throws
        -> Issued
    {
        let issued = Issued(certificate: "\(directory)/\(file).pem", key: "\(directory)/\(file).key")
        let request = "\(directory)/\(file).csr"
        let extensions = "\(directory)/\(file).ext"
        try
            (isCA
            ? "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n"
            : "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n")
            .write(toFile: extensions, atomically: true, encoding: .utf8)
        try Self.openssl(
            [
                "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", issued.key,
                "-out", request, "-subj", subject,
            ], in: directory)
        try Self.openssl(
            [
                "x509", "-req", "-in", request, "-CA", ca.certificate, "-CAkey", ca.key, "-CAcreateserial",
                "-out", issued.certificate, "-days", "\(days)", "-extfile", extensions,
            ], in: directory)
        return issued
    }

    /// A Cisco-style MIC: `CN=CP-<model>-SEP<MAC>`.
    public func makeMIC(mac: String, model: String = "8845", by ca: Issued, days: Int = 365, file: String? = nil) throws
        -> String
    {
        try issue(
            "/O=Cisco Systems Inc./OU=cisco.com/CN=CP-\(model)-SEP\(mac)", by: ca, days: days,
            file: file ?? "mic-\(mac)"
        )
        .certificate
    }

    /// Concatenates PEM files (a MIC followed by its intermediate CA).
    public func bundle(_ files: [String], as name: String) throws -> String {
        let path = "\(directory)/\(name).pem"
        let text = try files.map { try String(contentsOfFile: $0, encoding: .utf8) }.joined()
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    public static func openssl(_ arguments: [String], in directory: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestPKIError(
                message: "openssl \(arguments.joined(separator: " ")): " + String(decoding: message, as: UTF8.self))
        }
    }
}

public struct TestPKIError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
