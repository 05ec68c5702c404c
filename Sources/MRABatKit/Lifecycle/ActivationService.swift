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
/// Each step is also available in pieces, so that `mrabat serve` can run the store reads and writes
/// on its store thread (batching the writes of concurrent activations into one transaction) and the
/// arithmetic on its workers: ``lookUp(identity:)`` (read) → ``prepare(hello:phone:record:decoy:now:)``
/// (arithmetic, no store) → ``decide(_:proof:now:)`` (arithmetic, no store) → the ``ActivationWrite`` the
/// outcome needs (``apply(_:)`` here, `Store.commitActivations` for a batch).
///
/// Checks, each a distinct ``ActivationRefusal/Reason``: unknown code; a code no longer outstanding
/// (used, released, expired); a throttled device; the MIC (when presented; `mic-missing` when required
/// and absent); the SRP proof (a wrong proof counts a failed attempt against the code's device, and
/// ``EnterpriseSettings/maxActivationAttempts`` of them throttle it until `regenerate` — only someone
/// who holds the code's identity can cause that); expiry; the model (a BAT-named device takes any
/// phone of its model); the MAC (a device provisioned with its MAC, or a code bound by a re-lock,
/// takes only that MAC). Model, MAC and expiry are checked only after the proof, so only the code's
/// holder learns them. Every refusal is audited.
///
/// An unknown code counts against nothing persistent: it is audited (under the device that has the
/// phone's MAC, if any), but a stranger typing wrong codes with a real phone's MAC must not lock that
/// phone out. `mrabat serve` bounds such guessing with time-limited counters per address, per MAC and
/// overall instead.
package struct ActivationService: Sendable {
    package let store: any Store
    package let cluster: ClusterConfig
    /// The clock; tests move it.
    package var now: @Sendable () -> Date

    package init(store: any Store, cluster: ClusterConfig, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.cluster = cluster
        self.now = now
    }

    // MARK: - In process (`mrabat activate`)

    /// Checks the phone and its code's record and answers with the SRP challenge.
    ///
    /// - Throws: ``ActivationRefusal`` for a refused phone (an unknown code is `unknown-code`);
    ///   ``MRABatError`` if the store or OpenSSL fails.
    package func begin(hello: SRPClientHello, phone: PhoneIdentity) async throws -> ActivationHandshake {
        let now = now()
        let record = try await lookUp(identity: hello.identity)
        if record == nil {
            // Audited under the device that has the phone's MAC (Option 1, or a re-locked phone), since that
            // device is what is being guessed at; nothing is counted.
            let device = try await store.lifecycleState(mac: phone.mac)
            let refusal = ActivationRefusal(
                .unknownCode,
                "no activation code matches what was entered on \(phone.auditDescription); check the 16 digits",
                deviceName: device?.device.name ?? phone.mac.deviceName)
            _ = try await apply(.refusal(refusal, deviceID: device?.device.id, detail: phone.auditDescription, at: now))
            throw refusal
        }
        switch try prepare(hello: hello, phone: phone, record: record, decoy: nil, now: now) {
        case .proceed(let handshake): return handshake
        case .refuse(let refusal, let write):
            _ = try await apply(write)
            throw refusal
        }
    }

    /// Checks the phone's proof and, if it and every remaining check pass, commits the activation.
    ///
    /// - Returns: the server's proof M2 for the phone, what was committed, and the MRA target.
    /// - Throws: ``ActivationRefusal``; ``MRABatError`` if the store fails.
    package func finish(_ handshake: ActivationHandshake, proof: SRPClientProof) async throws -> ActivationResult {
        switch try decide(handshake, proof: proof, now: now()) {
        case .proceed(let pending):
            let commit = try await apply(pending.write).commit
            return try result(of: pending, commit: commit)
        case .refuse(let refusal, let write):
            let applied = try await apply(write)
            var refusal = refusal
            if let count = applied.attempts {
                refusal.message += Self.attemptsNote(count, handshake.deviceName)
            }
            throw refusal
        }
    }

    /// Applies one write with the store's single-purpose methods, each its own transaction.
    ///
    /// - Throws: ``ActivationRefusal`` when a commit loses (`already-used`, `mac-in-use`; audited);
    ///   ``MRABatError`` if the store fails.
    package func apply(_ write: ActivationWrite) async throws -> ActivationWriteResult {
        switch write {
        case .refusal(let refusal, let deviceID, let detail, let at):
            try await store.recordRefusal(refusal, deviceID: deviceID, detail: detail, now: at)
            return ActivationWriteResult()
        case .failedAttempt(let deviceID, let limit, let reason, let detail, let at):
            let count = try await store.recordFailedAttempt(
                deviceID: deviceID, limit: limit, reason: reason, detail: detail, now: at)
            return ActivationWriteResult(attempts: count)
        case .expire(let code, let deviceName, let detail, let at):
            try await store.expireOnAttempt(code: code, deviceName: deviceName, detail: detail, now: at)
            return ActivationWriteResult()
        case .commit(let code, let mac, let detail, let at):
            do {
                return ActivationWriteResult(
                    commit: try await store.commitActivation(code: code, mac: mac, detail: detail, now: at))
            } catch let refusal as ActivationRefusal {
                try await store.recordRefusal(refusal, deviceID: code.deviceID, detail: detail, now: at)
                throw refusal
            }
        }
    }

    // MARK: - In steps (`mrabat serve`)

    /// The code record for a hello's identity (outstanding, else the most recent), or nil: the one store read.
    package func lookUp(identity: String) async throws -> ActivationRecord? {
        try await store.activationRecord(identity: identity).map { ActivationRecord(code: $0.code, device: $0.device) }
    }

    /// Everything between the lookup and the challenge, without the store: the code's status, the
    /// throttle, the MIC, and the SRP challenge.
    ///
    /// - Parameters:
    ///   - record: what ``lookUp(identity:)`` found. Nil with a `decoy` key: a decoy challenge
    ///     (``ActivationDecoy``) that no proof can pass, so the service is no oracle for which codes
    ///     exist; nil without one is a programming error.
    /// - Returns: the handshake, or a refusal with the audit write it needs.
    package func prepare(
        hello: SRPClientHello, phone: PhoneIdentity, record: ActivationRecord?, decoy: ActivationDecoy?, now: Date
    ) throws -> ActivationStep<ActivationHandshake> {
        if phone.micRequired && !phone.presentsMIC {
            let refusal = ActivationRefusal(
                .micMissing, "no MIC was presented: the phone's TLS client certificate is its MIC",
                deviceName: record?.device.device.name)
            return .refuse(
                refusal, .refusal(refusal, deviceID: record?.device.device.id, detail: phone.auditDescription, at: now))
        }
        guard let record else {
            guard let decoy else { throw MRABatError(.internal, "prepare without a record needs a decoy key") }
            var server = try decoy.server(for: hello.identity)
            let challenge = try server.challenge(for: hello)
            return .proceed(
                ActivationHandshake(
                    challenge: challenge, server: server, record: nil, phone: phone, micSubject: nil, startedAt: now))
        }
        let name = record.device.device.name
        func refuse(_ reason: ActivationRefusal.Reason, _ message: String) -> ActivationStep<ActivationHandshake> {
            let refusal = ActivationRefusal(reason, message, deviceName: name)
            return .refuse(
                refusal, .refusal(refusal, deviceID: record.device.device.id, detail: phone.auditDescription, at: now))
        }
        switch record.code.status {
        case .outstanding: break
        case .used:
            return refuse(
                .alreadyUsed, "this code was already used to activate \(name) at \(Self.time(record.code.endedAt))")
        case .released:
            return refuse(
                .released, "this code of \(name) was released at \(Self.time(record.code.endedAt)); ask for a new one")
        case .expired:
            return refuse(
                .expired,
                "this code of \(name) expired at \(AuditTime.format(record.code.expiresAt)); "
                    + "`mrabat regenerate \(name)` issues a new one")
        }
        if record.device.throttled {
            return refuse(
                .throttled,
                "device \(name) is throttled after \(record.device.failedAttempts) failed attempts; "
                    + "`mrabat regenerate \(name)` issues a new code and clears it")
        }
        var micSubject: String?
        if phone.presentsMIC {
            do {
                let verifier = MICVerifier(caFiles: cluster.trust.micCAFiles)
                if let micFile = phone.micFile {
                    micSubject = try verifier.verify(micFile: micFile, mac: phone.mac, at: now, deviceName: name)
                        .subject
                } else if let pem = phone.micPEM {
                    let chain: [Certificate]
                    do {
                        chain = try Certificate.parse(pem: pem, source: "the TLS client certificate")
                    } catch let error as MRABatError {
                        throw ActivationRefusal(.micUnreadable, "the MIC cannot be used: \(error)", deviceName: name)
                    }
                    micSubject = try verifier.verify(chain: chain, mac: phone.mac, at: now, deviceName: name).subject
                }
            } catch let refusal as ActivationRefusal {
                return .refuse(
                    refusal,
                    .refusal(refusal, deviceID: record.device.device.id, detail: phone.auditDescription, at: now))
            }
        }
        guard let salt = record.code.salt, let verifier = record.code.verifier else {
            throw MRABatError(.store, "the outstanding code of \(name) has no SRP verifier; the store is damaged")
        }
        var server = try SRPServer(parameters: .mrabat, identity: hello.identity, salt: salt, verifier: verifier)
        let challenge = try server.challenge(for: hello)
        return .proceed(
            ActivationHandshake(
                challenge: challenge, server: server, record: record, phone: phone, micSubject: micSubject,
                startedAt: now))
    }

    /// Checks the phone's proof and every check after it, without the store.
    ///
    /// - Returns: the pending commit, or a refusal with the write it needs (a wrong proof counts a
    ///   failed attempt; a decoy handshake is refused as `wrong-proof` and audited as `unknown-code`).
    package func decide(_ handshake: ActivationHandshake, proof: SRPClientProof, now: Date) throws
        -> ActivationStep<PendingActivation>
    {
        let phone = handshake.phone
        var server = handshake.server
        guard let record = handshake.record else {
            // A decoy: the proof cannot match a verifier nobody made. Refused like a wrong proof.
            let refusal = ActivationRefusal(
                .wrongProof, "the proof from \(phone.auditDescription) does not match any activation code")
            let audited = ActivationRefusal(.unknownCode, refusal.message, deviceName: phone.mac.deviceName)
            return .refuse(
                refusal, .refusal(audited, deviceID: nil, detail: phone.auditDescription + "; decoy challenge", at: now)
            )
        }
        let state = record.device
        let name = state.device.name
        let serverProof: SRPServerProof
        do {
            serverProof = try server.verify(proof)
        } catch let error as MRABatError where error.code == .activation {
            return .refuse(
                ActivationRefusal(
                    .wrongProof, "the proof from \(phone.auditDescription) does not match the code of \(name)",
                    deviceName: name),
                .failedAttempt(
                    deviceID: state.device.id, limit: cluster.enterprise.maxActivationAttempts, reason: .wrongProof,
                    detail: phone.auditDescription, at: now))
        }
        func refuse(_ reason: ActivationRefusal.Reason, _ message: String) -> ActivationStep<PendingActivation> {
            let refusal = ActivationRefusal(reason, message, deviceName: name)
            return .refuse(
                refusal, .refusal(refusal, deviceID: state.device.id, detail: phone.auditDescription, at: now))
        }
        if record.code.expiresAt <= now {
            return .refuse(
                ActivationRefusal(
                    .expired,
                    "the code of \(name) expired at \(AuditTime.format(record.code.expiresAt)); "
                        + "`mrabat regenerate \(name)` issues a new one", deviceName: name),
                .expire(
                    code: record.code, deviceName: name, detail: phone.auditDescription + "; code marked expired",
                    at: now))
        }
        let model = SupportedModels.canonical(phone.model)
        guard model == state.device.model else {
            let reported = model ?? "\(phone.model) (not a model that supports activation-code onboarding over MRA)"
            return refuse(.modelMismatch, "\(name) is a \(state.device.model), but the phone is a \(reported)")
        }
        if let bound = record.code.boundMAC ?? state.device.mac, bound != phone.mac.hex {
            return refuse(
                .macMismatch, "the code of \(name) is bound to MAC \(bound), but the phone's MAC is \(phone.mac.hex)")
        }
        var detail = phone.auditDescription
        if let subject = handshake.micSubject { detail += "; MIC \(subject) verified" }
        return .proceed(
            PendingActivation(
                serverProof: serverProof, write: .commit(code: record.code, mac: phone.mac, detail: detail, at: now)))
    }

    /// The result of a pending activation once its commit is durable.
    package func result(of pending: PendingActivation, commit: ActivationCommit?) throws -> ActivationResult {
        guard let commit else { throw MRABatError(.internal, "an activation commit returned no device") }
        return ActivationResult(
            serverProof: pending.serverProof, commit: commit, target: MRATarget(device: commit.device, cluster: cluster)
        )
    }

    private static func attemptsNote(_ count: FailedAttemptCount, _ name: String) -> String {
        count.throttled
            ? "; \(name) is now throttled after \(count.attempts) failed attempts — `mrabat regenerate \(name)` clears it"
            : "; failed attempt \(count.attempts) for \(name)"
    }

    private static func time(_ date: Date?) -> String { date.map(AuditTime.format) ?? "an unknown time" }
}

/// A code's record and its device, as ``ActivationService/lookUp(identity:)`` read them.
package struct ActivationRecord: Sendable {
    package var code: CodeState
    package var device: DeviceLifecycleState
}

/// The outcome of a step that may refuse: go on with `T`, or refuse and make the write the refusal needs.
package enum ActivationStep<T: Sendable>: Sendable {
    case proceed(T)
    case refuse(ActivationRefusal, ActivationWrite)
}

/// A store write an activation step asks for; each is one transaction, or one savepoint of a batch.
package enum ActivationWrite: Sendable {
    /// Audit a refusal (no state changes).
    case refusal(ActivationRefusal, deviceID: Int64?, detail: String, at: Date)
    /// Count a wrong proof against the device, throttling it at `limit`.
    case failedAttempt(deviceID: Int64, limit: Int, reason: ActivationRefusal.Reason, detail: String, at: Date)
    /// Mark an outstanding code expired on an attempt after its time to live.
    case expire(code: CodeState, deviceName: String, detail: String, at: Date)
    /// Commit the activation: code used, device renamed `SEP<MAC>`, audited; exactly one of racing commits wins.
    case commit(code: CodeState, mac: MACAddress, detail: String, at: Date)

    /// The audit record the write leaves, whichever backend makes it.
    package var auditEvent: AuditEvent {
        switch self {
        case .refusal(let refusal, let deviceID, let detail, let at):
            AuditEvent(
                at: at, deviceID: deviceID, deviceName: refusal.deviceName, event: "activate",
                outcome: refusal.reason.rawValue, detail: detail)
        case .failedAttempt(let deviceID, _, let reason, let detail, let at):
            AuditEvent(
                at: at, deviceID: deviceID, deviceName: nil, event: "activate", outcome: reason.rawValue,
                detail: detail)
        case .expire(let code, let deviceName, let detail, let at):
            AuditEvent(
                at: at, deviceID: code.deviceID, deviceName: deviceName, event: "activate",
                outcome: ActivationRefusal.Reason.expired.rawValue, detail: detail)
        case .commit(let code, let mac, let detail, let at):
            AuditEvent(at: at, deviceID: code.deviceID, deviceName: mac.deviceName, event: "activate", detail: detail)
        }
    }
}

/// What an ``ActivationWrite`` produced.
package struct ActivationWriteResult: Sendable {
    /// For `.failedAttempt`: the attempts counted so far and whether the device is now throttled.
    package var attempts: FailedAttemptCount?
    /// For `.commit`: what was committed.
    package var commit: ActivationCommit?

    package init(attempts: FailedAttemptCount? = nil, commit: ActivationCommit? = nil) {
        self.attempts = attempts
        self.commit = commit
    }
}

/// An activation whose proof and checks passed, waiting for its commit.
package struct PendingActivation: Sendable {
    /// M2, for the phone once the commit is durable.
    package let serverProof: SRPServerProof
    /// The `.commit` write.
    package let write: ActivationWrite
}

/// A handshake between ``ActivationService/begin(hello:phone:)`` and ``ActivationService/finish(_:proof:)``.
package struct ActivationHandshake: Sendable {
    /// The message for the phone: salt and B.
    package let challenge: SRPServerChallenge
    let server: SRPServer
    /// The code's record; nil for a decoy.
    let record: ActivationRecord?
    let phone: PhoneIdentity
    let micSubject: String?
    package let startedAt: Date

    /// The device the code belongs to, as it was when the handshake began (empty for a decoy).
    package var deviceName: String { record?.device.device.name ?? "" }

    /// Whether this is a decoy for an unknown identity.
    package var isDecoy: Bool { record == nil }

    /// The SRP identity the handshake is for.
    package var identity: String { server.identity }

    /// The phone the handshake is with.
    package var phoneIdentity: PhoneIdentity { phone }
}

/// A committed activation.
package struct ActivationResult: Sendable {
    /// The message for the phone: M2.
    package let serverProof: SRPServerProof
    package let commit: ActivationCommit
    package let target: MRATarget
}
