import Foundation

extension TestPKI {
    /// A TLS server certificate for 127.0.0.1 (subjectAltName IP:127.0.0.1) signed by `ca`.
    public func makeServerCertificate(by ca: Issued, file: String = "server") throws -> Issued {
        let issued = Issued(certificate: "\(directory)/\(file).pem", key: "\(directory)/\(file).key")
        let request = "\(directory)/\(file).csr"
        let extensions = "\(directory)/\(file).ext"
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
            .write(toFile: extensions, atomically: true, encoding: .utf8)
        try Self.openssl(
            [
                "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", issued.key,
                "-out", request, "-subj", "/CN=127.0.0.1",
            ], in: directory)
        try Self.openssl(
            [
                "x509", "-req", "-in", request, "-CA", ca.certificate, "-CAkey", ca.key, "-CAcreateserial",
                "-out", issued.certificate, "-days", "30", "-extfile", extensions,
            ], in: directory)
        return issued
    }

    /// The key file `makeMIC` wrote next to the MIC certificate `micCertificate`.
    public static func key(ofCertificate micCertificate: String) -> String {
        String(micCertificate.dropLast(".pem".count)) + ".key"
    }
}
