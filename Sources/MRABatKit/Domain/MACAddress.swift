/// A phone's Ethernet MAC address, normalised to 12 uppercase hex digits.
package struct MACAddress: Hashable, Sendable, CustomStringConvertible {
    /// Twelve uppercase hex digits, no separators.
    package let hex: String

    /// Accepts the four spellings administrators use: `001A2B3C4D5E`, `00:1a:2b:3c:4d:5e`,
    /// `00-1A-2B-3C-4D-5E` and `001a.2b3c.4d5e`. Anything else (mixed separators, wrong
    /// grouping, other lengths) is nil: a MAC is never guessed.
    package init?(parsing text: String) {
        let bytes = Array(text.utf8)
        let digits: [UInt8]
        switch bytes.count {
        case 12:
            digits = bytes
        case 17:
            let separator = bytes[2]
            guard separator == UInt8(ascii: ":") || separator == UInt8(ascii: "-") else { return nil }
            for position in stride(from: 2, to: 17, by: 3) where bytes[position] != separator { return nil }
            digits = bytes.enumerated().filter { ($0.offset + 1) % 3 != 0 }.map(\.element)
        case 14:
            guard bytes[4] == UInt8(ascii: "."), bytes[9] == UInt8(ascii: ".") else { return nil }
            digits = bytes.enumerated().filter { $0.offset != 4 && $0.offset != 9 }.map(\.element)
        default:
            return nil
        }
        var upper = [UInt8]()
        upper.reserveCapacity(12)
        for byte in digits {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "F"): upper.append(byte)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): upper.append(byte - 32)
            default: return nil
            }
        }
        hex = String(decoding: upper, as: UTF8.self)
    }

    /// Addresses that parse but that no phone's Ethernet port has (IEEE 802: a station's own address
    /// is a unicast one, so the I/G bit, the low bit of the first octet, is clear).
    package enum Reserved: Sendable, Equatable {
        /// `00:00:00:00:00:00`: a placeholder, typically a spreadsheet's or an inventory's empty value.
        case allZero
        /// `FF:FF:FF:FF:FF:FF`.
        case broadcast
        /// Any other address with the I/G bit set (`01:00:5E:…` IPv4, `33:33:…` IPv6 multicast).
        case multicast
    }

    /// Why no phone can have this address, or nil for an ordinary unicast address.
    package var reserved: Reserved? {
        if hex == "000000000000" { return .allZero }
        if hex == "FFFFFFFFFFFF" { return .broadcast }
        // The first octet's low bit is the low bit of its second hex digit.
        let digit = hex.utf8.dropFirst().first ?? 0
        let value = digit <= UInt8(ascii: "9") ? digit &- UInt8(ascii: "0") : digit &- UInt8(ascii: "A") &+ 10
        return value & 1 == 1 ? .multicast : nil
    }

    /// `00:1A:2B:3C:4D:5E`: the address as people read it, for messages.
    package var colonSeparated: String {
        var text = ""
        for (offset, character) in hex.enumerated() {
            if offset > 0 && offset % 2 == 0 { text.append(":") }
            text.append(character)
        }
        return text
    }

    /// The device name of a phone provisioned with, or activated as, this MAC.
    package var deviceName: String { "SEP" + hex }

    package var description: String { hex }
}
