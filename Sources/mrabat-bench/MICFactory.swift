import COpenSSL
import Foundation

/// Makes many MICs quickly for the load run: one P-256 key and one certificate per phone
/// (`CN=CP-8845-SEP<MAC>`), signed in process by a test MIC CA — the openssl command would take
/// seconds per hundred.
final class MICFactory {
    struct MIC: Sendable {
        var certificatePEM: [UInt8]
        var keyPEM: [UInt8]
    }

    private let caKey: OpaquePointer
    private let caName: OpaquePointer

    /// Loads the CA's certificate (for its subject) and key from PEM files.
    init(caCertificate: String, caKey keyFile: String) throws {
        let certificateText = try [UInt8](Data(contentsOf: URL(fileURLWithPath: caCertificate)))
        let keyText = try [UInt8](Data(contentsOf: URL(fileURLWithPath: keyFile)))
        guard let certificate = Self.withBIO(certificateText, { PEM_read_bio_X509($0, nil, nil, nil) }),
            let key = Self.withBIO(keyText, { PEM_read_bio_PrivateKey($0, nil, nil, nil) })
        else { throw BenchError("cannot read the MIC CA \(caCertificate) / \(keyFile)") }
        defer { X509_free(certificate) }
        guard let name = X509_NAME_dup(X509_get_subject_name(certificate)) else {
            throw BenchError("cannot copy the MIC CA's name")
        }
        self.caKey = key
        self.caName = name
    }

    deinit {
        EVP_PKEY_free(caKey)
        X509_NAME_free(caName)
    }

    /// A MIC for `mac` (12 uppercase hex digits), valid from an hour ago for 30 days.
    func make(mac: String, serial: Int) throws -> MIC {
        guard let key = COpenSSL_EC_gen("P-256") else { throw BenchError("EC key generation failed") }
        defer { EVP_PKEY_free(key) }
        guard let certificate = X509_new() else { throw BenchError("X509_new failed") }
        defer { X509_free(certificate) }
        X509_set_version(certificate, 2)
        ASN1_INTEGER_set(X509_get_serialNumber(certificate), serial)
        X509_gmtime_adj(X509_getm_notBefore(certificate), -3600)
        X509_gmtime_adj(X509_getm_notAfter(certificate), 30 * 86_400)
        X509_set_issuer_name(certificate, caName)
        guard let subject = X509_NAME_new() else { throw BenchError("X509_NAME_new failed") }
        defer { X509_NAME_free(subject) }
        for (field, value) in [("O", "Cisco Systems Inc."), ("OU", "cisco.com"), ("CN", "CP-8845-SEP\(mac)")] {
            X509_NAME_add_entry_by_txt(subject, field, MBSTRING_ASC, value, -1, -1, 0)
        }
        X509_set_subject_name(certificate, subject)
        X509_set_pubkey(certificate, key)
        guard X509_sign(certificate, caKey, EVP_sha256()) > 0 else { throw BenchError("signing a MIC failed") }
        return MIC(
            certificatePEM: try Self.pem { PEM_write_bio_X509($0, certificate) },
            keyPEM: try Self.pem { PEM_write_bio_PrivateKey($0, key, nil, nil, 0, nil, nil) })
    }

    private static func withBIO<T>(_ bytes: [UInt8], _ body: (OpaquePointer) -> T?) -> T? {
        bytes.withUnsafeBytes { buffer in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            return body(bio)
        }
    }

    private static func pem(_ write: (OpaquePointer) -> Int32) throws -> [UInt8] {
        guard let bio = BIO_new(BIO_s_mem()) else { throw BenchError("BIO_new failed") }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { throw BenchError("PEM writing failed") }
        var pointer: UnsafeMutablePointer<CChar>?
        let length = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &pointer)
        guard let pointer, length > 0 else { throw BenchError("empty PEM") }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
            Array(UnsafeBufferPointer(start: $0, count: length))
        }
    }
}
