import COpenSSL
import CPBKDF2
import Testing

@testable import MRABatKit

extension CodesTests {
    /// The one-block PBKDF2-HMAC-SHA256 of `CPBKDF2` against RFC 7914's vectors and OpenSSL's PBKDF2.
    @Suite struct PBKDF2Tests {
        static func ours(_ password: [UInt8], _ salt: [UInt8], _ iterations: Int, _ length: Int) -> [UInt8]? {
            var out = [UInt8](repeating: 0, count: length)
            let ok = cpbkdf2_hmac_sha256_block(
                password, password.count, salt, salt.count, UInt32(iterations), &out, length)
            return ok == 1 ? out : nil
        }

        static func openSSL(_ password: [UInt8], _ salt: [UInt8], _ iterations: Int, _ length: Int) -> [UInt8] {
            var out = [UInt8](repeating: 0, count: length)
            let status = password.withUnsafeBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) { chars in
                    PKCS5_PBKDF2_HMAC(
                        chars.baseAddress, Int32(chars.count), salt, Int32(salt.count), Int32(iterations), EVP_sha256(),
                        Int32(length), &out)
                }
            }
            #expect(status == 1)
            return out
        }

        // RFC 7914 §11, PBKDF2-HMAC-SHA256: the first 32 bytes of each 64-byte answer (T_1).
        @Test(arguments: [
            ("passwd", "salt", 1, "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"),
            ("Password", "NaCl", 80000, "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"),
        ])
        func rfc7914(password: String, salt: String, iterations: Int, expected: String) throws {
            let out = try #require(Self.ours(Array(password.utf8), Array(salt.utf8), iterations, 32))
            #expect(Hex.encode(out) == expected)
        }

        @Test("2,000 random passwords, salts, rounds and lengths: OpenSSL's bytes")
        func matchesOpenSSL() throws {
            var random = SeededRandom(seed: 0x5042_4B44)
            for _ in 0..<2000 {
                let password = (0..<random.int(in: 0...64)).map { _ in UInt8.random(in: 0...255, using: &random) }
                let salt = (0..<random.int(in: 0...130)).map { _ in UInt8.random(in: 0...255, using: &random) }
                let iterations = random.int(in: 1...300)
                let length = random.int(in: 1...32)
                let out = try #require(Self.ours(password, salt, iterations, length))
                #expect(out == Self.openSSL(password, salt, iterations, length))
            }
        }

        @Test("what it does not handle is refused, not computed wrongly")
        func refusesWhatItCannotDo() {
            #expect(Self.ours(Array(repeating: 1, count: 65), [1], 10, 16) == nil)
            #expect(Self.ours([1], [1], 10, 33) == nil)
            #expect(Self.ours([1], [1], 0, 16) == nil)
            #expect(Self.ours([1], [1], 10, 0) == nil)
        }
    }
}
