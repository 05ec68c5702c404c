/// Where an activation code is in its life: outstanding until it is used, released or expired.
///
/// Only an outstanding code keeps its secrets (SRP salt and verifier, sealed copy); every other
/// status erases them, so a code that can no longer be used cannot be exported or recovered either.
package enum ActivationCodeStatus: String, Sendable, CaseIterable, Codable {
    /// Issued, waiting for the phone (at most one per device).
    case outstanding
    /// A phone activated with it.
    case used
    /// An administrator released it (`release`, `regenerate`, `relock`).
    case released
    /// Its time to live ran out (`expire`, or an activation attempt after expiry).
    case expired
}
