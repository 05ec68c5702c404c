import AsyncHTTPClient
import Foundation
import MRABatKit
import NIOCore
import NIOHTTP1
import NIOSSL

/// The phone's side of SPEC §7 over the network (`mrabat activate --server`): the SRP client of
/// ``PhoneActivation``, speaking JSON to `mrabat serve`, with the MIC as its TLS client certificate.
///
/// One client keeps its connections open between activations (the load benchmark runs many at once).
package final class ActivationClient: Sendable {
    /// What a successful activation told the phone.
    package struct Outcome: Sendable {
        package var device: String
        package var target: ActivationAPI.Target
        /// The config file's path on the config listener.
        package var config: String
    }

    /// Classic ECDHE groups only (X25519, then P-256) — what the load benchmark's phones offer, since
    /// phones' TLS stacks offer no post-quantum hybrid. BoringSSL's default leads with X25519MLKEM768,
    /// whose ML-KEM work was ~4 % of `mrabat serve`'s CPU per activation and ~6 % of the client's
    /// (`perf`, 64 phones at once); `mrabat activate --server` keeps that default.
    package static let classicKeyExchange: [NIOTLSCurve] = [.x25519, .secp256r1]

    private let http: HTTPClient
    private let base: String

    /// - Parameters:
    ///   - server: the service's base URL, e.g. `https://activation.example.com:8443`.
    ///   - micCertificate: PEM file of the MIC (intermediates may follow); nil sends no client certificate.
    ///   - micKey: PEM file of the MIC's private key.
    ///   - serverCA: PEM file of CAs to trust for the server's certificate (default: the system's).
    ///   - connections: connections kept open to the server.
    /// - Throws: ``MRABatError`` `.usage` for a bad URL, `.config` for unreadable PEM files.
    package convenience init(
        server: String, micCertificate: String?, micKey: String?, serverCA: String?, connections: Int = 8
    ) throws {
        var chain: [NIOSSLCertificate]?
        var key: NIOSSLPrivateKey?
        if let micCertificate {
            guard let micKey else { throw MRABatError(.usage, "--mic needs --mic-key (the MIC's private key)") }
            do {
                chain = try NIOSSLCertificate.fromPEMFile(micCertificate)
            } catch {
                throw MRABatError(.config, "--mic \(micCertificate): not a readable PEM certificate (\(error))")
            }
            do {
                key = try NIOSSLPrivateKey(file: micKey, format: .pem)
            } catch {
                throw MRABatError(.config, "--mic-key \(micKey): not a readable PEM private key (\(error))")
            }
        }
        var roots: [NIOSSLCertificate]?
        if let serverCA {
            do {
                roots = try NIOSSLCertificate.fromPEMFile(serverCA)
            } catch {
                throw MRABatError(.config, "--server-ca \(serverCA): not a readable PEM certificate (\(error))")
            }
        }
        try self.init(server: server, chain: chain, key: key, roots: roots, connections: connections)
    }

    /// A client whose MIC and key are PEM text in memory (the load benchmark makes thousands).
    ///
    /// - Parameter keyExchange: the TLS key-exchange groups to offer; nil offers BoringSSL's default
    ///   (which leads with the post-quantum hybrid X25519MLKEM768).
    package convenience init(
        server: String, micPEM: [UInt8], micKeyPEM: [UInt8], serverCAPEM: [UInt8], connections: Int = 1,
        keyExchange: [NIOTLSCurve]? = nil
    ) throws {
        try self.init(
            server: server, chain: NIOSSLCertificate.fromPEMBytes(micPEM),
            key: NIOSSLPrivateKey(bytes: micKeyPEM, format: .pem), roots: NIOSSLCertificate.fromPEMBytes(serverCAPEM),
            connections: connections, keyExchange: keyExchange)
    }

    private init(
        server: String, chain: [NIOSSLCertificate]?, key: NIOSSLPrivateKey?, roots: [NIOSSLCertificate]?,
        connections: Int, keyExchange: [NIOTLSCurve]? = nil
    ) throws {
        guard let url = URL(string: server), url.scheme == "https", url.host != nil else {
            throw MRABatError(.usage, "--server \(server): expected https://HOST[:PORT]")
        }
        base = server.hasSuffix("/") ? String(server.dropLast()) : server
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if let chain, let key {
            tls.certificateChain = chain.map { .certificate($0) }
            tls.privateKey = .privateKey(key)
        }
        if let roots { tls.trustRoots = .certificates(roots) }
        if let keyExchange { tls.curves = keyExchange }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(30))
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Closes the connections; call once done.
    package func shutdown() async {
        try? await http.shutdown()
    }

    /// Activates the phone `mac` of `model` with `code`, checking the service's proof M2.
    ///
    /// - Throws: ``ActivationRefusal`` for a `403` (its tag as the reason); ``MRABatError`` `.activation`
    ///   for `429` (retry later) and for a server whose M2 does not match; `.io` for network failures and
    ///   answers that are not the protocol's.
    package func activate(code: ActivationCode, mac: MACAddress, model: String) async throws -> Outcome {
        var client = try SRPClient(
            parameters: .mrabat, identity: ActivationIdentity(code: code).value, password: code.digits)
        let hello = client.hello()
        let started: ActivationAPI.StartResponse = try await post(
            "/activation/v1/start",
            ActivationAPI.StartRequest(
                identity: hello.identity, publicValue: WireHex.encode(SRP.minimal(hello.publicValue)), model: model,
                mac: mac.hex))
        guard let salt = WireHex.decode(started.salt), let serverValue = WireHex.decode(started.publicValue) else {
            throw MRABatError(.io, "the service answered start with a salt or B that is not hex")
        }
        let proof = try client.respond(to: SRPServerChallenge(salt: salt, publicValue: serverValue))
        let finished: ActivationAPI.FinishResponse = try await post(
            "/activation/v1/finish",
            ActivationAPI.FinishRequest(session: started.session, proof: WireHex.encode(proof.proof)))
        guard let serverProof = WireHex.decode(finished.proof) else {
            throw MRABatError(.io, "the service answered finish with an M2 that is not hex")
        }
        try client.verify(SRPServerProof(proof: serverProof))
        return Outcome(device: finished.device, target: finished.mraTarget, config: finished.config)
    }

    private func post<Body: Encodable, Answer: Decodable>(_ path: String, _ body: Body) async throws -> Answer {
        var request = HTTPClientRequest(url: base + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await http.execute(request, timeout: .seconds(30))
            bytes = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw MRABatError(.io, "cannot reach the activation service at \(base)", cause: "\(error)")
        }
        let data = Data(buffer: bytes)
        switch response.status.code {
        case 200:
            do {
                return try JSONDecoder().decode(Answer.self, from: data)
            } catch {
                throw MRABatError(
                    .io, "the activation service's answer to \(path) is not the protocol's", cause: "\(error)")
            }
        case 403:
            let failure = try? JSONDecoder().decode(ActivationAPI.ErrorResponse.self, from: data)
            if let failure, let reason = ActivationRefusal.Reason(rawValue: failure.error) {
                throw ActivationRefusal(reason, failure.message)
            }
            throw MRABatError(.activation, "activation refused: \(String(decoding: data, as: UTF8.self))")
        case 429:
            let retry = response.headers.first(name: "Retry-After") ?? "?"
            throw MRABatError(
                .activation, "activation refused (too-many-attempts): the service asks to retry after \(retry) s")
        default:
            let failure = try? JSONDecoder().decode(ActivationAPI.ErrorResponse.self, from: data)
            throw MRABatError(
                .io,
                "the activation service answered \(path) with \(response.status.code)"
                    + (failure.map { " \($0.error): \($0.message)" } ?? ""))
        }
    }
}
