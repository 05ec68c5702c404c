import Foundation

/// The activation service's side of a phone's activation: SRP-6a server, checks, and the commit.
///
/// The exchange is four plain messages, so a network front end can carry them unchanged:
/// the phone's ``SRPClientHello`` (identity I and A, with its ``PhoneIdentity``) goes to
/// ``begin(hello:phone:)``, which answers with an ``SRPServerChallenge`` (salt and B) inside an
/// ``ActivationHandshake``; the phone's ``SRPClientProof`` (M1) goes to ``finish(_:proof:)``,
/// which answers with the ``SRPServerProof`` (M2) once the activation is committed. The service
/// never sees the code: it finds the code's record by I (see ``ActivationIdentity``) and checks the
/// proof against the stored verifier.
///
/// Checks, each a distinct ``ActivationRefusal/Reason``: unknown code; a code no longer outstanding
/// (used, released, expired); a throttled device; the MIC (when presented); the SRP proof (a wrong
/// proof counts a failed attempt, and ``EnterpriseSettings/maxActivationAttempts`` of them throttle
/// the device until `regenerate`); expiry; the model (a BAT-named device takes any phone of its
/// model); the MAC (a device provisioned with its MAC, or a code bound by a re-lock, takes only that
/// MAC). Model, MAC and expiry are checked only after the proof, so only the code's holder learns
/// them. Every refusal is audited.
public struct ActivationService: Sendable {
    public let store: any Store
    public let cluster: ClusterConfig
    /// The clock; tests move it.
    public var now: @Sendable () -> Date

    public init(store: any Store, cluster: ClusterConfig, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.cluster = cluster
        self.now = now
    }

    /// Checks the phone and its code's record and answers with the SRP challenge.
    ///
    /// - Throws: ``ActivationRefusal`` for a refused phone; ``MRABatError`` if the store or OpenSSL fails.
    public func begin(hello: SRPClientHello, phone: PhoneIdentity) async throws -> ActivationHandshake {
        let now = now()
        guard let record = try await store.activationRecord(identity: hello.identity) else {
            // A wrong code gives an identity no record has. It counts against the device that has the
            // phone's MAC (Option 1, or a re-locked phone), since that device is what is being guessed at.
            let message =
                "no activation code matches what was entered on \(phone.auditDescription); check the 16 digits"
            if let device = try await store.lifecycleState(mac: phone.mac) {
                let count = try await store.recordFailedAttempt(
                    deviceID: device.device.id, limit: cluster.enterprise.maxActivationAttempts, reason: .unknownCode,
                    detail: phone.auditDescription, now: now)
                throw ActivationRefusal(
                    .unknownCode, message + Self.attemptsNote(count, device.device.name),
                    deviceName: device.device.name)
            }
            let refusal = ActivationRefusal(.unknownCode, message, deviceName: phone.mac.deviceName)
            try await store.recordRefusal(refusal, deviceID: nil, detail: phone.auditDescription, now: now)
            throw refusal
        }
        let name = record.device.device.name
        func refuse(_ reason: ActivationRefusal.Reason, _ message: String) async throws -> ActivationRefusal {
            let refusal = ActivationRefusal(reason, message, deviceName: name)
            try await store.recordRefusal(
                refusal, deviceID: record.device.device.id, detail: phone.auditDescription, now: now)
            return refusal
        }
        switch record.code.status {
        case .outstanding: break
        case .used:
            throw try await refuse(
                .alreadyUsed, "this code was already used to activate \(name) at \(Self.time(record.code.endedAt))")
        case .released:
            throw try await refuse(
                .released, "this code of \(name) was released at \(Self.time(record.code.endedAt)); ask for a new one")
        case .expired:
            throw try await refuse(
                .expired,
                "this code of \(name) expired at \(AuditTime.format(record.code.expiresAt)); "
                    + "`mrabat regenerate \(name)` issues a new one")
        }
        if record.device.throttled {
            throw try await refuse(
                .throttled,
                "device \(name) is throttled after \(record.device.failedAttempts) failed attempts; "
                    + "`mrabat regenerate \(name)` issues a new code and clears it")
        }
        var micSubject: String?
        if let micFile = phone.micFile {
            do {
                let verifier = MICVerifier(caFiles: cluster.trust.micCAFiles)
                micSubject = try verifier.verify(micFile: micFile, mac: phone.mac, at: now, deviceName: name).subject
            } catch let refusal as ActivationRefusal {
                try await store.recordRefusal(
                    refusal, deviceID: record.device.device.id, detail: phone.auditDescription, now: now)
                throw refusal
            }
        }
        guard let salt = record.code.salt, let verifier = record.code.verifier else {
            throw MRABatError(.store, "the outstanding code of \(name) has no SRP verifier; the store is damaged")
        }
        var server = try SRPServer(parameters: .mrabat, identity: hello.identity, salt: salt, verifier: verifier)
        let challenge = try server.challenge(for: hello)
        return ActivationHandshake(
            challenge: challenge, server: server, code: record.code, device: record.device, phone: phone,
            micSubject: micSubject, startedAt: now)
    }

    /// Checks the phone's proof and, if it and every remaining check pass, commits the activation.
    ///
    /// - Returns: the server's proof M2 for the phone, what was committed, and the MRA target.
    /// - Throws: ``ActivationRefusal``; ``MRABatError`` if the store fails.
    public func finish(_ handshake: ActivationHandshake, proof: SRPClientProof) async throws -> ActivationResult {
        let now = now()
        let state = handshake.device
        let name = state.device.name
        let phone = handshake.phone
        var server = handshake.server
        let serverProof: SRPServerProof
        do {
            serverProof = try server.verify(proof)
        } catch let error as MRABatError where error.code == .activation {
            let count = try await store.recordFailedAttempt(
                deviceID: state.device.id, limit: cluster.enterprise.maxActivationAttempts, reason: .wrongProof,
                detail: phone.auditDescription, now: now)
            throw ActivationRefusal(
                .wrongProof,
                "the proof from \(phone.auditDescription) does not match the code of \(name)"
                    + Self.attemptsNote(count, name), deviceName: name)
        }
        func refuse(_ reason: ActivationRefusal.Reason, _ message: String) async throws -> ActivationRefusal {
            let refusal = ActivationRefusal(reason, message, deviceName: name)
            try await store.recordRefusal(refusal, deviceID: state.device.id, detail: phone.auditDescription, now: now)
            return refusal
        }
        if handshake.code.expiresAt <= now {
            try await store.expireOnAttempt(
                code: handshake.code, deviceName: name, detail: phone.auditDescription + "; code marked expired",
                now: now)
            throw ActivationRefusal(
                .expired,
                "the code of \(name) expired at \(AuditTime.format(handshake.code.expiresAt)); "
                    + "`mrabat regenerate \(name)` issues a new one", deviceName: name)
        }
        let model = SupportedModels.canonical(phone.model)
        guard model == state.device.model else {
            let reported = model ?? "\(phone.model) (not a model that supports activation-code onboarding over MRA)"
            throw try await refuse(.modelMismatch, "\(name) is a \(state.device.model), but the phone is a \(reported)")
        }
        if let bound = handshake.code.boundMAC ?? state.device.mac, bound != phone.mac.hex {
            throw try await refuse(
                .macMismatch, "the code of \(name) is bound to MAC \(bound), but the phone's MAC is \(phone.mac.hex)")
        }
        var detail = phone.auditDescription
        if let subject = handshake.micSubject { detail += "; MIC \(subject) verified" }
        let commit: ActivationCommit
        do {
            commit = try await store.commitActivation(code: handshake.code, mac: phone.mac, detail: detail, now: now)
        } catch let refusal as ActivationRefusal {
            try await store.recordRefusal(refusal, deviceID: state.device.id, detail: detail, now: now)
            throw refusal
        }
        return ActivationResult(
            serverProof: serverProof, commit: commit, target: MRATarget(device: commit.device, cluster: cluster))
    }

    private static func attemptsNote(_ count: FailedAttemptCount, _ name: String) -> String {
        count.throttled
            ? "; \(name) is now throttled after \(count.attempts) failed attempts — `mrabat regenerate \(name)` clears it"
            : "; failed attempt \(count.attempts) for \(name)"
    }

    private static func time(_ date: Date?) -> String { date.map(AuditTime.format) ?? "an unknown time" }
}

/// A handshake between ``ActivationService/begin(hello:phone:)`` and ``ActivationService/finish(_:proof:)``.
public struct ActivationHandshake: Sendable {
    /// The message for the phone: salt and B.
    public let challenge: SRPServerChallenge
    let server: SRPServer
    let code: CodeState
    let device: DeviceLifecycleState
    let phone: PhoneIdentity
    let micSubject: String?
    let startedAt: Date

    /// The device the code belongs to, as it was when the handshake began.
    public var deviceName: String { device.device.name }
}

/// A committed activation.
public struct ActivationResult: Sendable {
    /// The message for the phone: M2.
    public let serverProof: SRPServerProof
    public let commit: ActivationCommit
    public let target: MRATarget
}
