import COpenSSL
import Foundation

/// Checks a phone's manufacturer-installed certificate (MIC) before it may activate.
///
/// A MIC must chain to one of the cluster's trusted manufacturing CAs (``TrustSettings/micCAFiles``)
/// by OpenSSL's `X509_verify_cert`, every certificate on the chain must be within its validity at
/// the time of the check, and the MIC's subject must carry the phone's MAC (Cisco MICs name the
/// phone as `CN=CP-<model>-SEP<MAC>`), so that a MIC taken from one phone does not activate another.
package struct MICVerifier: Sendable {
    /// PEM files of the trusted manufacturing CAs.
    package var caFiles: [String]

    package init(caFiles: [String]) {
        self.caFiles = caFiles
    }

    /// What a verified MIC said.
    package struct Verified: Sendable, Equatable {
        package var subject: String
        package var issuer: String
        package var notAfter: Date?
    }

    /// Verifies the MIC in `micFile` (the leaf first, any intermediate CAs after it) for the phone with `mac`.
    ///
    /// - Parameter date: the time the chain must be valid at (now, except in tests).
    /// - Throws: ``ActivationRefusal`` `.micUnreadable`, `.micUntrusted`, `.micExpired` or
    ///   `.micMACMismatch`; ``MRABatError`` `.config` when a trusted CA file cannot be read.
    package func verify(micFile: String, mac: MACAddress, at date: Date, deviceName: String? = nil) throws -> Verified {
        let chain: [Certificate]
        do {
            chain = try Certificate.load(pemFile: micFile)
        } catch let error as MRABatError {
            throw ActivationRefusal(
                .micUnreadable, "the MIC \(micFile) cannot be used: \(error)", deviceName: deviceName)
        }
        return try verify(chain: chain, mac: mac, at: date, deviceName: deviceName)
    }

    /// Verifies a MIC already parsed — the leaf first, any intermediate CAs after it (for example
    /// the chain a phone presented as its TLS client certificate).
    ///
    /// - Throws: as ``verify(micFile:mac:at:deviceName:)``.
    package func verify(chain: [Certificate], mac: MACAddress, at date: Date, deviceName: String? = nil) throws
        -> Verified
    {
        guard let leaf = chain.first else {
            throw ActivationRefusal(.micUnreadable, "no MIC was presented", deviceName: deviceName)
        }
        guard !caFiles.isEmpty else {
            throw ActivationRefusal(
                .micUntrusted,
                "the cluster configuration trusts no manufacturing CA (trust.micCAs), so no MIC can be verified",
                deviceName: deviceName)
        }
        let anchors = try TrustAnchors.current(files: caFiles)
        try withExtendedLifetime(anchors) {
            try Self.verifyChain(
                leaf: leaf, intermediates: Array(chain.dropFirst()), store: anchors.store, at: date,
                deviceName: deviceName)
        }
        let subject = leaf.subject
        let compact = subject.uppercased().filter { $0 != ":" && $0 != "-" && $0 != "." }
        guard compact.contains(mac.hex) else {
            throw ActivationRefusal(
                .micMACMismatch, "the MIC's subject \(subject) does not carry the phone's MAC \(mac.hex)",
                deviceName: deviceName)
        }
        return Verified(subject: subject, issuer: leaf.issuer, notAfter: leaf.notAfter)
    }

    /// `X509_verify_cert` of `leaf` against the trusted certificates in `store`, with `intermediates`
    /// as untrusted helpers.
    static func verifyChain(
        leaf: Certificate, intermediates: [Certificate], store: OpaquePointer, at date: Date, deviceName: String?
    ) throws {
        // STACK_OF(X509) is OpenSSL's generic stack; the stack borrows the certificates (freed by their owners).
        guard let untrusted = OPENSSL_sk_new_null() else { throw OpenSSLFailure.error("cannot allocate a stack") }
        defer { OPENSSL_sk_free(untrusted) }
        for certificate in intermediates {
            guard OPENSSL_sk_push(untrusted, UnsafeRawPointer(certificate.pointer)) > 0 else {
                throw OpenSSLFailure.error("cannot build the certificate chain")
            }
        }
        guard let context = X509_STORE_CTX_new() else {
            throw OpenSSLFailure.error("cannot allocate an X509_STORE_CTX")
        }
        defer { X509_STORE_CTX_free(context) }
        guard X509_STORE_CTX_init(context, store, leaf.pointer, untrusted) == 1 else {
            throw OpenSSLFailure.error("cannot start verifying the MIC")
        }
        X509_STORE_CTX_set_time(context, 0, time_t(date.timeIntervalSince1970))
        if X509_verify_cert(context) == 1 { return }
        let code = X509_STORE_CTX_get_error(context)
        let depth = X509_STORE_CTX_get_error_depth(context)
        let reason = String(cString: X509_verify_cert_error_string(Int(code)))
        _ = OpenSSLFailure.drainErrorQueue()
        let which = depth == 0 ? "the MIC \(leaf.subject)" : "certificate \(depth) above the MIC \(leaf.subject)"
        switch code {
        case X509_V_ERR_CERT_HAS_EXPIRED, X509_V_ERR_CERT_NOT_YET_VALID:
            throw ActivationRefusal(.micExpired, "\(which) is not valid now: \(reason)", deviceName: deviceName)
        default:
            throw ActivationRefusal(
                .micUntrusted, "\(which) does not chain to a trusted manufacturing CA: \(reason)",
                deviceName: deviceName)
        }
    }
}
