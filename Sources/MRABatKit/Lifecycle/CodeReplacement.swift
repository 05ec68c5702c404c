import Foundation

/// `regenerate` and `relock`: a fresh code for a device, its secrets computed here and committed
/// with the release of the old one in one transaction.
package enum CodeReplacement {
    /// What a replacement code is for; each kind owns its rule.
    package enum Kind: String, Sendable {
        /// A new code for a device not yet activated (or throttled); clears the throttle.
        case regenerate
        /// Option 2: an activated phone must activate again with a new code bound to its MAC.
        case relock

        /// Whether the device may get this kind of replacement.
        /// - Throws: `.validation` when `regenerate` meets an activated device (use `relock`) or
        ///   `relock` one that is not activated (use `regenerate`).
        func check(_ state: DeviceLifecycleState) throws {
            let name = state.device.name
            let activated = state.activatedAt != nil
            switch self {
            case .regenerate where activated:
                throw MRABatError(
                    .validation, "device \(name) is activated; `mrabat relock \(name)` makes it require a new code",
                    value: name)
            case .relock where !activated:
                throw MRABatError(
                    .validation,
                    "device \(name) is not activated, so there is nothing to re-lock; "
                        + "`mrabat regenerate \(name)` gives it a new code", value: name)
            default: break
            }
        }

        /// A re-lock makes the phone count as waiting for activation again.
        var clearsActivation: Bool { self == .relock }
    }

    /// What the administrator hands to the phone's user.
    package struct Issued: Sendable {
        package var code: ActivationCode
        package var device: DeviceLifecycleState
        package var expiresAt: Date
    }

    /// Issues a new code for the device named `name` and releases its old one.
    ///
    /// A new code whose identity collides with an outstanding one (one chance in about 10^16 per
    /// outstanding code) is drawn again.
    /// - Throws: `.notFound` for an unknown device; `.validation` when the kind does not apply (see ``Kind/check(_:)``).
    package static func replace(
        deviceNamed name: String, kind: Kind, store: any Store, vault: CodeVault, ttlHours: Int, now: Date
    ) async throws -> Issued {
        let expires = now.addingTimeInterval(TimeInterval(ttlHours) * 3600)
        for _ in 0..<8 {
            let code = try ActivationCode.generate()
            let secrets = try IssuedCodeSecrets.issue(code: code, vault: vault)
            do {
                let device = try await store.replaceCode(
                    deviceNamed: name, with: secrets, expiresAt: expires, event: kind.rawValue,
                    clearsActivation: kind.clearsActivation, now: now, check: kind.check)
                return Issued(code: code, device: device, expiresAt: expires)
            } catch StoreConflict.codeIdentityTaken {
                continue
            }
        }
        throw MRABatError(.store, "could not issue a code for \(name) whose identity is unique among outstanding codes")
    }
}
