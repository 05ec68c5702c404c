import AsyncHTTPClient
import Foundation
import MRABatKit
import NIOCore
import NIOHTTP1
import NIOSSL

/// Plain requests to the server, for statuses and bodies the protocol client would not send.
final class RawClient: Sendable {
    struct Answer: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: String
        var json: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
        }
        var error: String? { json?["error"] as? String }
    }

    private let http: HTTPClient

    /// - Parameters:
    ///   - mic: the client certificate and key (nil: none).
    ///   - serverCA: the CA to trust for the HTTPS listener (nil for plain HTTP).
    init(mic: (certificate: String, key: String)? = nil, serverCA: String? = nil) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let serverCA { tls.trustRoots = .file(serverCA) }
        if let mic {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(mic.certificate).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: mic.key, format: .pem))
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(30))
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    func shutdown() async { try? await http.shutdown() }

    func send(
        _ method: HTTPMethod, _ url: String, body: [UInt8]? = nil, headers: [(String, String)] = []
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            if !headers.contains(where: { $0.0.lowercased() == "content-type" }) {
                request.headers.add(name: "Content-Type", value: "application/json")
            }
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await http.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 4 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
    }

    func post(_ url: String, json: [String: Any]) async throws -> Answer {
        try await send(.POST, url, body: [UInt8](try JSONSerialization.data(withJSONObject: json)))
    }

    func get(_ url: String, headers: [(String, String)] = []) async throws -> Answer {
        try await send(.GET, url, headers: headers)
    }
}

/// The phone side of SRP in the tests' own hands, for starts with chosen values.
struct TestPhone {
    var client: SRPClient
    let code: String

    init(code: String) throws {
        guard let parsed = ActivationCode(userInput: code) else { throw FixtureError("bad code \(code)") }
        self.code = code
        client = try SRPClient(
            parameters: .mrabat, identity: ActivationIdentity(code: parsed).value, password: parsed.digits)
    }

    var identity: String { client.hello().identity }
    var publicValueHex: String { Hex.lower(SRP.minimal(client.hello().publicValue)) }
}

enum Hex {
    static func lower(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
    static func bytes(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            out.append(UInt8(text[index..<next], radix: 16) ?? 0)
            index = next
        }
        return out
    }
}
