import COpenSSL
import Foundation

/// An X.509 certificate parsed by OpenSSL: a MIC, a manufacturing CA, a PhoneEdge-trust certificate.
///
/// Owns its `X509` handle and frees it in `deinit`. Not `Sendable`: a certificate is read and
/// verified by the task that loaded it.
package final class Certificate {
    /// The `X509 *` this object owns.
    let pointer: OpaquePointer

    private init(owning pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit { X509_free(pointer) }

    /// Every certificate in a PEM file, in file order.
    ///
    /// - Throws: ``MRABatError`` `.io` if the file cannot be read, `.crypto` if it holds no PEM
    ///   certificate; both name the file.
    package static func load(pemFile path: String) throws -> [Certificate] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MRABatError(.io, "cannot read certificate file \(path)")
        }
        return try parse(pem: [UInt8](data), source: path)
    }

    /// Every certificate in PEM text; `source` names it in errors.
    package static func parse(pem bytes: [UInt8], source: String) throws -> [Certificate] {
        guard let bio = bytes.withUnsafeBytes({ BIO_new_mem_buf($0.baseAddress, Int32($0.count)) }) else {
            throw OpenSSLFailure.error("cannot allocate a memory BIO")
        }
        defer { BIO_free(bio) }
        var certificates: [Certificate] = []
        while let x509 = PEM_read_bio_X509(bio, nil, nil, nil) {
            certificates.append(Certificate(owning: x509))
        }
        // Reading stops with "no start line" at the end of the text; that is not an error.
        let queued = OpenSSLFailure.drainErrorQueue()
        guard !certificates.isEmpty else {
            throw MRABatError(.crypto, "\(source) holds no PEM certificate", cause: queued)
        }
        return certificates
    }

    /// The subject in OpenSSL's one-line form, e.g. `/O=Cisco/CN=CP-8845-SEP001A2B3C4D5E`.
    package var subject: String { Self.oneLine(X509_get_subject_name(pointer)) }

    /// The issuer in OpenSSL's one-line form.
    package var issuer: String { Self.oneLine(X509_get_issuer_name(pointer)) }

    /// The subject's common name (the first CN), if any.
    package var commonName: String? {
        guard let name = X509_get_subject_name(pointer) else { return nil }
        let index = X509_NAME_get_index_by_NID(name, NID_commonName, -1)
        guard index >= 0, let entry = X509_NAME_get_entry(name, index), let data = X509_NAME_ENTRY_get_data(entry),
            let bytes = ASN1_STRING_get0_data(data)
        else { return nil }
        return String(decoding: UnsafeBufferPointer(start: bytes, count: Int(ASN1_STRING_length(data))), as: UTF8.self)
    }

    /// The start of the validity period.
    package var notBefore: Date? { Self.date(X509_get0_notBefore(pointer)) }

    /// The end of the validity period.
    package var notAfter: Date? { Self.date(X509_get0_notAfter(pointer)) }

    /// Whether the certificate may sign others: basic constraints CA:TRUE (or a v1 self-signed root),
    /// and key usage, if present, includes certificate signing (`X509_check_ca`).
    package var isCA: Bool { X509_check_ca(pointer) >= 1 }

    /// Whether `date` lies within the validity period.
    package func isValid(at date: Date) -> Bool {
        guard let notBefore, let notAfter else { return false }
        return notBefore <= date && date <= notAfter
    }

    private static func oneLine(_ name: OpaquePointer?) -> String {
        guard let name, let text = X509_NAME_oneline(name, nil, 0) else { return "" }
        defer { COpenSSL_free(text) }
        return String(cString: text)
    }

    private static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date? {
        guard let time else { return nil }
        var parts = tm()
        guard ASN1_TIME_to_tm(time, &parts) == 1 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }
}
