/// Lowercase hexadecimal, for identities and for writing down constants.
enum Hex {
    private static let alphabet = Array("0123456789abcdef".utf8)
    private static let upperAlphabet = Array("0123456789ABCDEF".utf8)

    /// Hex of `bytes`, two characters per byte; lowercase unless `uppercase` (device names).
    static func encode(_ bytes: some Sequence<UInt8>, uppercase: Bool = false) -> String {
        let alphabet = uppercase ? upperAlphabet : alphabet
        var text = [UInt8]()
        text.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            text.append(alphabet[Int(byte >> 4)])
            text.append(alphabet[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Bytes from hex digits of either case; white space is skipped. `nil` for any other
    /// character or an odd number of digits.
    static func decode(_ text: String) -> [UInt8]? {
        var bytes = [UInt8]()
        var high: UInt8?
        for character in text.utf8 {
            let nibble: UInt8
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = character - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = character - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = character - UInt8(ascii: "A") + 10
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\t"): continue
            default: return nil
            }
            if let pending = high {
                bytes.append(pending << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return high == nil ? bytes : nil
    }
}
