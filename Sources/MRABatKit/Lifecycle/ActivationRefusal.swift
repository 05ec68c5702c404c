/// Why the activation service refused a phone: one stable reason per failure class.
///
/// Every refusal is audited with ``Reason`` as its outcome, and the command line prints
/// `activation refused (<reason>): <message>` and exits with status 4, so scripts can tell the
/// classes apart by the reason tag without parsing prose.
package struct ActivationRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Reason: String, Sendable, CaseIterable {
        /// No code with this identity exists: mistyped, or never issued.
        case unknownCode = "unknown-code"
        /// The identity matched but the SRP proof did not: the phone does not hold the code.
        case wrongProof = "wrong-proof"
        /// The code's time to live has passed.
        case expired
        /// A phone already activated with this code (possibly a concurrent activation).
        case alreadyUsed = "already-used"
        /// An administrator released the code.
        case released
        /// The phone is not of the device's model.
        case modelMismatch = "model-mismatch"
        /// The device (or the code, after a re-lock) is bound to another MAC.
        case macMismatch = "mac-mismatch"
        /// Another device already has this phone's MAC.
        case macInUse = "mac-in-use"
        /// Too many wrong proofs against the code; the device needs `regenerate`.
        case throttled
        /// The MIC does not chain to a trusted manufacturing CA.
        case micUntrusted = "mic-untrusted"
        /// The MIC (or a CA above it) is outside its validity period.
        case micExpired = "mic-expired"
        /// The MIC's subject does not carry the phone's MAC.
        case micMACMismatch = "mic-mac-mismatch"
        /// The MIC file is not a readable PEM certificate.
        case micUnreadable = "mic-unreadable"
        /// No MIC was presented where one is required (`mrabat serve`: no TLS client certificate).
        case micMissing = "mic-missing"
    }

    package var reason: Reason
    package var message: String
    /// The device the refusal concerns, when one was identified.
    package var deviceName: String?

    package init(_ reason: Reason, _ message: String, deviceName: String? = nil) {
        self.reason = reason
        self.message = message
        self.deviceName = deviceName
    }

    package var description: String { "activation refused (\(reason.rawValue)): \(message)" }

    /// The refusal as the library's error type (code `.activation`), for the command line.
    package var error: MRABatError { MRABatError(.activation, description, value: deviceName) }
}
