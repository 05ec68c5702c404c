import Foundation
import MRABatKit
import Testing

/// Bad input never crashes or hangs `mrabat serve`: each gets its status, and the server keeps serving.
@Suite(.serialized) struct ServeBadInputTests {
    /// N of the RFC 5054 2048-bit group, as lowercase hex.
    static let primeHex = Hex.lower(SRPParameters.mrabat.group.prime)

    @Test func everyMalformedRequestGetsItsStatus() async throws {
        let f = try await ServeFixture("bad", phones: 2)
        let server = try await f.serve()
        defer { _ = try? server.stop() }
        let mic = try f.mic("00AA11BB22F1")
        let raw = try RawClient(mic: mic, serverCA: f.serverCA.certificate)
        defer { Task { await raw.shutdown() } }
        let start = server.https + "/activation/v1/start"
        let finish = server.https + "/activation/v1/finish"
        let phone = try TestPhone(code: f.phones[0].code)
        let good: [String: Any] = [
            "identity": phone.identity, "A": phone.publicValueHex, "model": "8845", "mac": "00AA11BB22F1",
        ]
        func with(_ key: String, _ value: Any?) -> [String: Any] {
            var body = good
            body[key] = value
            return body
        }
        let cases: [(String, [UInt8])] = [
            ("not JSON", Array("{identity".utf8)),
            ("an array", Array("[1,2]".utf8)),
            ("not UTF-8", [0x7B, 0xFF, 0xFE, 0x7D]),
            ("unknown field", try json(with("extra", 1))),
            ("missing field", try json(with("model", nil))),
            ("a number for A", try json(with("A", 5))),
            ("odd-length hex", try json(with("A", "abc"))),
            ("uppercase hex", try json(with("A", phone.publicValueHex.uppercased()))),
            ("A = 0", try json(with("A", "00"))),
            ("A = N", try json(with("A", Self.primeHex))),
            ("A > N", try json(with("A", "01" + Self.primeHex))),
            ("A ≡ 0 padded", try json(with("A", String(repeating: "00", count: 256)))),
            ("bad MAC", try json(with("mac", "00AA11BB22"))),
            ("empty identity", try json(with("identity", ""))),
        ]
        for (label, body) in cases {
            let answer = try await raw.send(.POST, start, body: body)
            #expect(answer.status == 400, "\(label): \(answer.status) \(answer.body)")
            #expect(answer.error == "bad-request", "\(label): \(answer.body)")
            #expect(answer.json?["message"] is String, "\(label)")
        }
        let big = [UInt8](repeating: UInt8(ascii: " "), count: 70_000)
        #expect(try await raw.send(.POST, start, body: big).status == 413)
        // Just under the limit, but padding: a valid JSON document of 60 KiB is accepted as JSON.
        var padded = try json(good)
        padded.insert(contentsOf: [UInt8](repeating: UInt8(ascii: " "), count: 60_000), at: 1)
        #expect(try await raw.send(.POST, start, body: padded).status == 200)

        // Sessions: unknown, replayed, expired; M1 of the wrong length.
        let unknown = try await raw.post(
            finish, json: ["session": String(repeating: "ab", count: 16), "M1": String(repeating: "00", count: 32)])
        #expect(unknown.status == 400 && unknown.error == "bad-request")
        #expect(try await raw.post(finish, json: ["session": "zz", "M1": "00"]).status == 400)
        let opened = try await raw.post(start, json: good)
        let session = try #require(opened.json?["session"] as? String)
        #expect(try await raw.post(finish, json: ["session": session, "M1": "0011"]).status == 400)
        var client = phone.client
        let challenge = try #require(opened.json)
        let proof = try client.respond(
            to: SRPServerChallenge(
                salt: Hex.bytes(try #require(challenge["salt"] as? String)),
                publicValue: Hex.bytes(try #require(challenge["B"] as? String))))
        let first = try await raw.post(finish, json: ["session": session, "M1": Hex.lower(proof.proof)])
        #expect(first.status == 200, "\(first.body)")
        let replay = try await raw.post(finish, json: ["session": session, "M1": Hex.lower(proof.proof)])
        #expect(replay.status == 400 && replay.error == "bad-request", "\(replay.body)")

        // Still serving.
        #expect(try await raw.get(server.config + "/healthz").status == 200)
        #expect(try server.stop() == 0)

        // An expired session, on a server whose sessions live 1 s: the good session above ran with the default
        // time to live, so a loaded machine can take its time there, and here waiting only makes it more expired.
        let shortLived = try await f.serve(["--session-ttl", "1"])
        defer { _ = try? shortLived.stop() }
        let second = try TestPhone(code: f.phones[1].code)
        let late = try await raw.post(
            shortLived.https + "/activation/v1/start",
            json: ["identity": second.identity, "A": second.publicValueHex, "model": "8845", "mac": "00AA11BB22F1"])
        let lateChallenge = try #require(late.json)
        let lateSession = try #require(lateChallenge["session"] as? String, "\(late.body)")
        var lateClient = second.client
        // The right proof, so only the session's age can refuse it.
        let lateProof = try lateClient.respond(
            to: SRPServerChallenge(
                salt: Hex.bytes(try #require(lateChallenge["salt"] as? String)),
                publicValue: Hex.bytes(try #require(lateChallenge["B"] as? String))))
        try await Task.sleep(for: .milliseconds(1_500))
        let expired = try await raw.post(
            shortLived.https + "/activation/v1/finish",
            json: ["session": lateSession, "M1": Hex.lower(lateProof.proof)])
        #expect(expired.status == 400 && expired.error == "bad-request", "an expired session: \(expired.body)")
        #expect(try shortLived.stop() == 0)
    }

    @Test func slowClientsAndIdleConnectionsAreBounded() async throws {
        let f = try await ServeFixture("slow", phones: 1)
        let server = try await f.serve([
            "--idle-timeout", "2", "--request-timeout", "2",
        ])
        defer { _ = try? server.stop() }
        let configPort = try #require(Int(server.config.split(separator: ":").last ?? ""))
        let httpsPort = try #require(Int(server.https.split(separator: ":").last ?? ""))

        // A request head trickled in: closed by the idle timeout.
        let slowHead = try TCP.connect(port: configPort)
        let began = Date()
        try slowHead.send("GET /healthz HTTP/1.1\r\nHost: x\r\n")
        var closed = false
        for _ in 0..<60 {
            if !((try? slowHead.send("X")) != nil) || slowHead.isClosed { closed = true; break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(closed, "a trickled head must be cut off")
        #expect(Date().timeIntervalSince(began) < 10, "a 2 s idle timeout, with room for a loaded machine")
        slowHead.close()

        // A body trickled in byte by byte (each byte resets the idle timer): closed by the request deadline.
        let slowBody = try TCP.connect(port: configPort)
        try slowBody.send("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
        let bodyBegan = Date()
        closed = false
        for _ in 0..<60 {
            if !((try? slowBody.send("a")) != nil) || slowBody.isClosed { closed = true; break }
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(closed, "a trickled body must be cut off")
        #expect(Date().timeIntervalSince(bodyBegan) < 10, "a 2 s request deadline, with room for a loaded machine")
        slowBody.close()

        // 1,000 idle connections to the TLS listener: none hangs the server,
        // the idle ones are closed, and a real phone activates.
        var idle: [TCP] = []
        for _ in 0..<1_000 { idle.append(try TCP.connect(port: httpsPort)) }
        let mic = try f.mic("00AA11BB22F2")
        let activation = try await ServeFixture.run(
            [
                "activate", "--server", server.https, "--code", f.phones[0].code, "--mac", "00AA11BB22F2", "--model",
                "8845", "--mic", mic.certificate, "--mic-key", mic.key, "--server-ca", f.serverCA.certificate,
            ], timeout: 60)
        #expect(activation.status == 0, "\(activation.stderr)")
        try await Task.sleep(for: .seconds(3))
        let stillOpen = idle.prefix(100).filter { !$0.isClosed }.count
        #expect(stillOpen == 0, "idle connections must be closed by the idle timeout (\(stillOpen) of 100 open)")
        for connection in idle { connection.close() }
        #expect(server.isRunning)
        #expect(try server.stop() == 0)
    }

    private func json(_ object: [String: Any]) throws -> [UInt8] {
        [UInt8](try JSONSerialization.data(withJSONObject: object))
    }
}

/// A bare TCP connection to 127.0.0.1, for clients that misbehave on purpose.
final class TCP {
    private let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    static func connect(port: Int) throws -> TCP {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw FixtureError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            Glibc.close(descriptor)
            throw FixtureError("connect: \(String(cString: strerror(errno)))")
        }
        return TCP(descriptor: descriptor)
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        let sent = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == bytes.count else { throw FixtureError("send failed") }
    }

    /// Whether the peer has closed: a non-blocking peek sees end of file or an error.
    var isClosed: Bool {
        var byte: UInt8 = 0
        let received = recv(descriptor, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        if received == 0 { return true }
        if received < 0 { return errno != EAGAIN && errno != EWOULDBLOCK }
        return false
    }

    func close() { Glibc.close(descriptor) }
}
