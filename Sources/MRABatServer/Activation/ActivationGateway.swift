import Foundation
import Logging
import MRABatKit

/// The activation protocol of SPEC §7 without HTTP: limits, sessions, decoys, the service's steps,
/// and where each runs — store reads and writes on the ``StoreWorker`` (writes group-committed), the
/// SRP arithmetic on the caller's task.
final class ActivationGateway: Sendable {
    struct StartInput: Sendable {
        var identity: String
        var publicValue: [UInt8]
        var phone: PhoneIdentity
        var address: String
    }

    struct StartOutput: Sendable {
        var session: String
        var salt: [UInt8]
        /// B, minimal big-endian.
        var publicValue: [UInt8]
    }

    /// Why a request did not succeed, as the HTTP layer maps it.
    enum Failure: Error, Sendable {
        /// 400 `bad-request`.
        case badRequest(String)
        /// 403 with the refusal's tag.
        case refused(ActivationRefusal)
        /// 429 with `Retry-After`.
        case limited(GuessLimiter.Limited)
    }

    let service: ActivationService
    let worker: StoreWorker
    let sessions: ActivationSessions
    let limiter: GuessLimiter
    let metrics: ServeMetrics
    let logger: Logger
    /// Told the names whose config files changed, after each committed activation.
    let onCommit: @Sendable (ActivationCommit) -> Void
    private let decoy: ActivationDecoy

    init(
        service: ActivationService, worker: StoreWorker, sessions: ActivationSessions, limiter: GuessLimiter,
        metrics: ServeMetrics, logger: Logger, onCommit: @escaping @Sendable (ActivationCommit) -> Void
    ) throws {
        self.service = service
        self.worker = worker
        self.sessions = sessions
        self.limiter = limiter
        self.metrics = metrics
        self.logger = logger
        self.onCommit = onCommit
        self.decoy = try ActivationDecoy()
    }

    /// `POST /activation/v1/start`.
    func start(_ input: StartInput) async throws -> StartOutput {
        let phone = input.phone
        let mac = phone.mac.hex
        let now = service.now()
        try Self.checkPublicValue(input.publicValue)
        if let limited = limiter.check(address: input.address, mac: mac) {
            logger.notice(
                "guessing limit reached",
                metadata: ["scope": .string(limited.scope), "client": .string(input.address)])
            throw Failure.limited(limited)
        }
        if !phone.presentsMIC {
            let refusal = ActivationRefusal(
                .micMissing, "no MIC was presented: the phone's TLS client certificate is its MIC",
                deviceName: phone.mac.deviceName)
            try await store(.refusal(refusal, deviceID: nil, detail: Self.audit(phone), at: now))
            throw Failure.refused(refusal)
        }
        let identity = input.identity
        let record = try await service.lookUp(identity: identity)
        if record != nil, let limited = limiter.chargeStart(code: identity) {
            throw Failure.limited(limited)
        }
        let hello = SRPClientHello(identity: identity, publicValue: input.publicValue)
        let step: ActivationStep<ActivationHandshake>
        do {
            step = try service.prepare(hello: hello, phone: phone, record: record, decoy: decoy, now: now)
        } catch let error as MRABatError where error.code == .crypto {
            throw Failure.badRequest(error.message)
        }
        switch step {
        case .refuse(let refusal, let write):
            try await store(write)
            throw Failure.refused(refusal)
        case .proceed(let handshake):
            if handshake.isDecoy {
                // Every start for an identity no code has is a guess: counted and audited.
                limiter.recordFailure(address: input.address, mac: mac)
                let audited = ActivationRefusal(
                    .unknownCode, "no activation code has this identity; decoy challenge sent",
                    deviceName: phone.mac.deviceName)
                try await store(.refusal(audited, deviceID: nil, detail: Self.audit(phone), at: now))
            }
            let session: String
            do {
                session = try sessions.open(handshake)
            } catch let failure as ActivationSessions.OpenFailure {
                let scope = failure == .full ? "sessions" : "code-sessions"
                throw Failure.limited(GuessLimiter.Limited(scope: scope, retryAfter: 2))
            }
            metrics.sessions(sessions.count)
            return StartOutput(
                session: session, salt: handshake.challenge.salt,
                publicValue: SRP.minimal(handshake.challenge.publicValue))
        }
    }

    /// `POST /activation/v1/finish`.
    func finish(session: String, proof: [UInt8], address: String) async throws -> ActivationResult {
        guard let handshake = sessions.take(session) else {
            throw Failure.badRequest("unknown or expired session; start again")
        }
        metrics.sessions(sessions.count)
        let now = service.now()
        let phone = handshake.phoneIdentity
        switch try service.decide(handshake, proof: SRPClientProof(proof: proof), now: now) {
        case .proceed(let pending):
            let written: ActivationWriteResult
            do {
                written = try await worker.commit(pending.write)
            } catch let refusal as ActivationRefusal {
                throw Failure.refused(refusal)
            }
            let result = try service.result(of: pending, commit: written.commit)
            onCommit(result.commit)
            logger.info(
                "activated",
                metadata: [
                    "device": .string(result.commit.device.name), "previous": .string(result.commit.previousName),
                    "client": .string(address),
                ])
            return result
        case .refuse(let refusal, let write):
            try await store(write)
            if refusal.reason == .wrongProof {
                if !handshake.isDecoy { limiter.recordFailure(address: address, mac: phone.mac.hex) }
                // The same words for a decoy and a real code: the answer must not say which it was.
                throw Failure.refused(
                    ActivationRefusal(.wrongProof, "the activation code does not match; check the 16 digits"))
            }
            throw Failure.refused(refusal)
        }
    }

    /// Writes an audit or counter write through the batch; a store failure is the caller's error.
    private func store(_ write: ActivationWrite) async throws {
        _ = try await worker.commit(write)
    }

    /// RFC 5054's check on A, before any work: A mod N ≠ 0 and A < N.
    static func checkPublicValue(_ value: [UInt8]) throws {
        let minimal = SRP.minimal(value)
        let prime = SRPParameters.mrabat.group.prime
        if minimal.isEmpty { throw Failure.badRequest("A ≡ 0 (mod N)") }
        if minimal.count > prime.count || (minimal.count == prime.count && !minimal.lexicographicallyPrecedes(prime)) {
            throw Failure.badRequest("A ≥ N")
        }
    }

    private static func audit(_ phone: PhoneIdentity) -> String {
        "phone \(phone.mac.deviceName) (\(phone.model))" + (phone.sourceAddress.map { " from \($0)" } ?? "")
    }
}
