/// A 16-digit activation code, the secret a user types on the phone.
///
/// Every value from `0000000000000000` to `9999999999999999` is a code; leading zeros are
/// significant. The code is kept as its integer value: 8 bytes, cheap to hash and compare,
/// and ``digits`` always renders all 16 digits.
///
/// Parsing comes in two strengths, on purpose:
/// - ``init(_:)`` is strict — exactly 16 ASCII digits — for values the tool wrote itself (the
///   store, the export CSV), where anything else means corruption and must not be "repaired".
/// - ``init(userInput:)`` also accepts the spaces, tabs and dashes people use to group digits
///   when they type or paste a code (`1234 5678 9012 3456`, `1234-5678-9012-3456`); nothing else.
package struct ActivationCode: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The number of digits in every code.
    package static let length = 16

    /// 10^16: one more than the largest code.
    static let modulus: UInt64 = 10_000_000_000_000_000

    /// The code as an integer below 10^16.
    let value: UInt64

    /// A code from its integer value; `nil` unless `value` is below 10^16.
    init?(value: UInt64) {
        guard value < Self.modulus else { return nil }
        self.value = value
    }

    /// A code from a value already reduced modulo 10^16 (the generator's).
    init(reduced value: UInt64) {
        precondition(value < Self.modulus, "an activation code is below 10^16")
        self.value = value
    }

    /// Parses exactly 16 ASCII digits; anything else, separators included, gives `nil`.
    package init?(_ string: some StringProtocol) {
        var value: UInt64 = 0
        var count = 0
        for byte in string.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), count < Self.length else { return nil }
            value = value * 10 + UInt64(byte - UInt8(ascii: "0"))
            count += 1
        }
        guard count == Self.length else { return nil }
        self.value = value
    }

    /// Parses a code as a person typed or pasted it: 16 ASCII digits with any spaces, tabs or
    /// dashes (`-`) among or around them ignored; `nil` for anything else.
    package init?(userInput: some StringProtocol) {
        let digits = userInput.utf8.filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "-") && $0 != 9 }
        self.init(String(decoding: digits, as: UTF8.self))
    }

    /// The 16 ASCII digits, zero-padded, no separators — the form the export CSV carries.
    package var digits: String {
        String(decoding: asciiDigits, as: UTF8.self)
    }

    /// The 16 ASCII digit bytes — what SRP uses as the password and the vault encrypts.
    var asciiDigits: [UInt8] {
        var bytes = [UInt8](repeating: UInt8(ascii: "0"), count: Self.length)
        var rest = value
        var index = Self.length - 1
        while rest > 0 {
            bytes[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
            index -= 1
        }
        return bytes
    }

    /// Same as ``digits``: a code prints as the user types it.
    package var description: String { digits }

    package static func < (lhs: ActivationCode, rhs: ActivationCode) -> Bool { lhs.value < rhs.value }
}
