import Foundation
import GRDB

/// `regenerate` and `relock`: a fresh code for a device, its secrets computed here and committed
/// with the release of the old one in one transaction.
public enum CodeReplacement {
    /// What the administrator hands to the phone's user.
    public struct Issued: Sendable {
        public var code: ActivationCode
        public var device: DeviceLifecycleState
        public var expiresAt: Date
    }

    /// Issues a new code for the device named `name` and releases its old one.
    ///
    /// A new code whose identity collides with an outstanding one (one chance in about 10^16 per
    /// outstanding code) is drawn again.
    /// - Throws: see ``Store/replaceCode(deviceNamed:with:kind:ttlHours:now:)``.
    public static func replace(
        deviceNamed name: String, kind: Store.Replacement, store: Store, vault: CodeVault, ttlHours: Int, now: Date
    ) throws -> Issued {
        for _ in 0..<8 {
            let code = try ActivationCode.generate()
            let secrets = try IssuedCodeSecrets.issue(code: code, vault: vault)
            do {
                let replaced = try store.replaceCode(
                    deviceNamed: name, with: secrets, kind: kind, ttlHours: ttlHours, now: now)
                return Issued(code: code, device: replaced.device, expiresAt: replaced.expiresAt)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                continue
            }
        }
        throw MRABatError(.store, "could not issue a code for \(name) whose identity is unique among outstanding codes")
    }
}
