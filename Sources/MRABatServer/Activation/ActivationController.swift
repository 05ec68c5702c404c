import Foundation
import Hummingbird
import MRABatKit
import NIOCore

/// The routes of the activation API (SPEC §7) on the HTTPS listener.
struct ActivationController: Sendable {
    let gateway: ActivationGateway
    let limits: ServeLimits
    let metrics: ServeMetrics

    func addRoutes(to router: Router<ServeRequestContext>) {
        let group = router.group("activation/v1")
        group.post("start") { request, context in try await self.start(request, context) }
        group.post("finish") { request, context in try await self.finish(request, context) }
    }

    private func start(_ request: Request, _ context: ServeRequestContext) async throws -> Response {
        let began = ContinuousClock.now
        do {
            let body: ActivationAPI.StartRequest = try await decode(request)
            guard (1...256).contains(body.identity.utf8.count) else {
                throw ActivationGateway.Failure.badRequest("identity must be 1…256 bytes")
            }
            guard let publicValue = WireHex.decode(body.publicValue), !publicValue.isEmpty else {
                throw ActivationGateway.Failure.badRequest("A must be even-length lowercase hex")
            }
            guard body.mac.utf8.count == 12, let macBytes = WireHex.decode(body.mac.lowercased()),
                macBytes.count == 6, let mac = MACAddress(parsing: body.mac)
            else {
                throw ActivationGateway.Failure.badRequest("mac must be 12 hex digits")
            }
            guard (1...64).contains(body.model.utf8.count) else {
                throw ActivationGateway.Failure.badRequest("model must be 1…64 bytes, e.g. 8845 or Cisco 8845")
            }
            let address = context.clientAddress
            let phone = PhoneIdentity(
                mac: mac, model: body.model, micPEM: await context.presentedCertificates(), micRequired: true,
                sourceAddress: address)
            let output = try await gateway.start(
                .init(identity: body.identity, publicValue: publicValue, phone: phone, address: address))
            metrics.started("challenge", ContinuousClock.now - began)
            return try Self.json(
                .ok,
                ActivationAPI.StartResponse(
                    session: output.session, salt: WireHex.encode(output.salt),
                    publicValue: WireHex.encode(output.publicValue)))
        } catch {
            let response = try Self.response(for: error)
            metrics.started(Self.outcome(of: error), ContinuousClock.now - began)
            return response
        }
    }

    private func finish(_ request: Request, _ context: ServeRequestContext) async throws -> Response {
        let began = ContinuousClock.now
        do {
            let body: ActivationAPI.FinishRequest = try await decode(request)
            guard body.session.utf8.count == 32, WireHex.decode(body.session) != nil else {
                throw ActivationGateway.Failure.badRequest("session must be the 32 hex digits start returned")
            }
            guard let proof = WireHex.decode(body.proof), proof.count == 32 else {
                throw ActivationGateway.Failure.badRequest("M1 must be 32 bytes of lowercase hex")
            }
            let result = try await gateway.finish(session: body.session, proof: proof, address: context.clientAddress)
            metrics.finished("ok", ContinuousClock.now - began)
            let target = result.target
            return try Self.json(
                .ok,
                ActivationAPI.FinishResponse(
                    proof: WireHex.encode(result.serverProof.proof), device: result.commit.device.name,
                    mraTarget: .init(
                        domain: target.activationDomain.domain, serviceDomain: target.serviceDomain.domain,
                        redirect: target.isRedirected),
                    config: "/" + TFTPConfigWriter.fileName(for: result.commit.device.name)))
        } catch {
            let response = try Self.response(for: error)
            metrics.finished(Self.outcome(of: error), ContinuousClock.now - began)
            return response
        }
    }

    /// The body as `T`: at most ``ServeLimits/maxBodyBytes`` (else 413), JSON, no unknown fields (else 400).
    private func decode<T: Decodable>(_ request: Request) async throws -> T {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limits.maxBodyBytes {
            throw HTTPError(.contentTooLarge)
        }
        let buffer = try await request.body.collect(upTo: limits.maxBodyBytes)
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer: buffer))
        } catch let error as DecodingError {
            throw ActivationGateway.Failure.badRequest("malformed JSON body: \(Self.describe(error))")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "missing field \(key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            "field \(context.codingPath.map(\.stringValue).joined(separator: ".")) must be a string"
        case .dataCorrupted(let context): context.debugDescription
        @unknown default: "undecodable"
        }
    }

    static func json(_ status: HTTPResponse.Status, _ value: some Encodable, headers: HTTPFields = [:]) throws
        -> Response
    {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        let data = try JSONEncoder().encode(value)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The response for a failure; errors that are not the client's are rethrown (500, logged by Hummingbird).
    static func response(for error: any Error) throws -> Response {
        switch error {
        case ActivationGateway.Failure.badRequest(let message):
            return try json(.badRequest, ActivationAPI.ErrorResponse(error: "bad-request", message: message))
        case ActivationGateway.Failure.refused(let refusal):
            return try json(
                .forbidden, ActivationAPI.ErrorResponse(error: refusal.reason.rawValue, message: refusal.message))
        case ActivationGateway.Failure.limited(let limited):
            var headers = HTTPFields()
            headers[.retryAfter] = String(limited.retryAfter)
            return try json(
                .tooManyRequests,
                ActivationAPI.ErrorResponse(
                    error: "too-many-attempts",
                    message: "too many attempts (\(limited.scope) limit); retry after \(limited.retryAfter) s"),
                headers: headers)
        case let error as HTTPError where error.status == .contentTooLarge:
            return try json(
                .contentTooLarge, ActivationAPI.ErrorResponse(error: "too-large", message: "the body exceeds 64 KiB"))
        case is NIOTooManyBytesError:
            return try json(
                .contentTooLarge, ActivationAPI.ErrorResponse(error: "too-large", message: "the body exceeds 64 KiB"))
        default:
            throw error
        }
    }

    private static func outcome(of error: any Error) -> String {
        switch error {
        case ActivationGateway.Failure.badRequest: "bad-request"
        case ActivationGateway.Failure.refused(let refusal): refusal.reason.rawValue
        case ActivationGateway.Failure.limited: "limited"
        case is HTTPError, is NIOTooManyBytesError: "too-large"
        default: "error"
        }
    }
}
