import Foundation
import Synchronization
import Testing

@testable import MRABatServer

/// The server's small parts, on their own: limits, addresses, hex, htpasswd, ETags.
@Suite struct ServePartsTests {
    final class Clock: Sendable {
        let now = Mutex<TimeInterval>(1_000_000)
        func advance(_ seconds: TimeInterval) { now.withLock { $0 += seconds } }
        var read: @Sendable () -> TimeInterval { { self.now.withLock { $0 } } }
    }

    @Test func guessLimitsPerAddressPerMACGlobalAndTheirWindow() {
        var limits = ServeLimits()
        limits.guessWindow = 10
        limits.guessesPerAddress = 3
        limits.guessesPerMAC = 2
        limits.guessesGlobal = 5
        let clock = Clock()
        let limiter = GuessLimiter(limits: limits, clock: clock.read)
        #expect(limiter.check(address: "a", mac: "M") == nil)
        limiter.recordFailure(address: "a", mac: "M")
        limiter.recordFailure(address: "a", mac: "M")
        // The MAC's budget is spent for the address that spent it…
        #expect(limiter.check(address: "a", mac: "M")?.scope == "mac")
        // …but a clean address (the real phone elsewhere) is not held back by it.
        #expect(limiter.check(address: "b", mac: "M") == nil)
        #expect(limiter.check(address: "a", mac: "N") == nil)
        limiter.recordFailure(address: "a", mac: "N")
        #expect(limiter.check(address: "a", mac: "N")?.scope == "address")
        limiter.recordFailure(address: "c", mac: nil)
        limiter.recordFailure(address: "d", mac: nil)
        let global = limiter.check(address: "e", mac: nil)
        #expect(global?.scope == "global")
        #expect(global?.retryAfter == 10)
        clock.advance(4.2)
        #expect(limiter.check(address: "e", mac: nil)?.retryAfter == 6)
        // A new window forgets everything.
        clock.advance(6)
        #expect(limiter.check(address: "a", mac: "M") == nil)
        #expect(limiter.check(address: "e", mac: nil) == nil)
    }

    @Test func eachCounterHasItsOwnWindowFromItsFirstFailure() {
        var limits = ServeLimits()
        limits.guessWindow = 10
        limits.guessesPerAddress = 2
        let clock = Clock()
        let limiter = GuessLimiter(limits: limits, clock: clock.read)
        limiter.recordFailure(address: "a", mac: nil)
        clock.advance(9)
        // "a"'s window began 9 s ago; "b"'s begins now, so it outlasts "a"'s.
        limiter.recordFailure(address: "a", mac: nil)
        limiter.recordFailure(address: "b", mac: nil)
        limiter.recordFailure(address: "b", mac: nil)
        #expect(limiter.check(address: "a", mac: nil) == GuessLimiter.Limited(scope: "address", retryAfter: 1))
        #expect(limiter.check(address: "b", mac: nil) == GuessLimiter.Limited(scope: "address", retryAfter: 10))
        // The first failure after "a"'s window ended opens a new one, a full window long.
        clock.advance(1)
        #expect(limiter.check(address: "a", mac: nil) == nil)
        limiter.recordFailure(address: "a", mac: nil)
        #expect(limiter.check(address: "a", mac: nil) == nil)
        limiter.recordFailure(address: "a", mac: nil)
        #expect(limiter.check(address: "a", mac: nil)?.retryAfter == 10)
        #expect(limiter.check(address: "b", mac: nil)?.retryAfter == 9)
        // Windows that are over are swept, and a swept key starts afresh.
        clock.advance(25)
        #expect(limiter.check(address: "a", mac: nil) == nil)
        #expect(limiter.check(address: "b", mac: nil) == nil)
    }

    @Test func startsPerCodeAndLogins() {
        var limits = ServeLimits()
        limits.startsPerCode = 2
        limits.loginsPerAddress = 1
        let limiter = GuessLimiter(limits: limits, clock: Clock().read)
        #expect(limiter.chargeStart(code: "I") == nil)
        #expect(limiter.chargeStart(code: "I") == nil)
        #expect(limiter.chargeStart(code: "I")?.scope == "code")
        #expect(limiter.chargeStart(code: "J") == nil)
        #expect(limiter.checkLogin(address: "a") == nil)
        limiter.recordFailedLogin(address: "a")
        #expect(limiter.checkLogin(address: "a")?.scope == "login")
    }

    @Test(arguments: [
        ("127.0.0.1:8443", "127.0.0.1", 8443), (":6970", "0.0.0.0", 6970), ("[::1]:0", "::1", 0),
        ("0.0.0.0:65535", "0.0.0.0", 65535),
    ])
    func listenAddresses(text: String, host: String, port: Int) {
        #expect(ListenAddress(parsing: text) == ListenAddress(host: host, port: port))
    }

    @Test(arguments: ["8443", "host:", "host:port", "1.2.3.4:70000", "::1:80", "[::1]80", "h:-1"])
    func badListenAddresses(text: String) {
        #expect(ListenAddress(parsing: text) == nil)
    }

    @Test func limitsAreValidated() {
        var limits = ServeLimits()
        limits.sessionTTL = 61
        #expect(throws: Error.self) { try limits.validate() }
        limits = ServeLimits()
        limits.maxBodyBytes = 70_000
        #expect(throws: Error.self) { try limits.validate() }
        #expect(throws: Never.self) { try ServeLimits().validate() }
    }

    @Test func wireHexIsLowercaseAndEven() {
        #expect(WireHex.decode("00ff10") == [0, 255, 16])
        #expect(WireHex.decode("") == [])
        #expect(WireHex.decode("0") == nil)
        #expect(WireHex.decode("FF") == nil)
        #expect(WireHex.decode("0x") == nil)
        #expect(WireHex.encode([0, 171, 255]) == "00abff")
    }

    @Test func ifNoneMatchAndDeviceNames() {
        let etag = "\"abc\""
        #expect(ConfigController.matches("\"abc\"", etag))
        #expect(ConfigController.matches("\"x\", W/\"abc\"", etag))
        #expect(ConfigController.matches("*", etag))
        #expect(!ConfigController.matches("\"abd\"", etag))
        #expect(ConfigController.isDeviceName("SEP001A2B3C4D5E"))
        #expect(ConfigController.isDeviceName("BATABCDEF012345"))
        #expect(!ConfigController.isDeviceName("SEP001a2b3c4d5e"))
        #expect(!ConfigController.isDeviceName("XYZ001A2B3C4D5E"))
        #expect(!ConfigController.isDeviceName("SEP001A2B3C4D5"))
    }

    @Test func htpasswdWithBcryptFromTheHtpasswdCommand() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "mrabat-htpasswd-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = try ServeSelfCareTests.htpasswd([("alice", "s3cret"), ("bob", "other")], in: directory)
        let users = try HTPasswd.load(path: path)
        #expect(users.users == ["alice", "bob"])
        #expect(users.verify(user: "alice", password: "s3cret"))
        #expect(!users.verify(user: "alice", password: "s3cret "))
        #expect(!users.verify(user: "alice", password: "other"))
        #expect(!users.verify(user: "nobody", password: "s3cret"))

        // Weaker schemes and junk are refused, naming the line.
        let md5 = directory + "/md5.htpasswd"
        try "alice:$2y$05$abc\nbob:$apr1$xyz$0123456789abcdefghijkl\n".write(
            toFile: md5, atomically: true, encoding: .utf8)
        let error = #expect(throws: (any Error).self) { try HTPasswd.load(path: md5) }
        #expect("\(error.map { "\($0)" } ?? "")".contains("md5.htpasswd:1"))
        #expect(throws: (any Error).self) { try HTPasswd.load(path: directory + "/missing") }
    }
}
