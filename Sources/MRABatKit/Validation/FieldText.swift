/// What a text value may hold and how long it is: the one definition the row validator, the XML
/// writer and `Templates/device-config.xsd` share.
///
/// **Length** is counted in Unicode scalar values (code points), which is what XSD `maxLength`
/// counts, not in grapheme clusters (`String.count`): `e` followed by U+0301 COMBINING ACUTE ACCENT
/// is one character on screen but two towards a limit. A value the validator accepts therefore
/// never fails its own schema.
///
/// **Characters**: every value a job stores ends up in a phone's XML config file, so it must be
/// XML 1.0 text (the `Char` production: TAB, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD,
/// U+10000–U+10FFFF). A row's values are held to more than that: no control character at all
/// (C0, DEL, C1: TAB and line breaks included, they are never meant in a name or label), so what
/// the validator accepts every output (XML, CSV, JSON, SQLite, the terminal) carries unchanged.
/// Lone surrogates cannot occur: the CSV decoder rejects them (see ``UTF8Validator`` and
/// ``UTF8Transcoder``) and Swift strings cannot hold them.
package enum FieldText {
    /// The number of Unicode scalars in `value` (what XSD `maxLength` counts).
    package static func length(_ value: String) -> Int {
        // Every UTF-8 byte but a continuation byte (10xxxxxx) starts a scalar; a byte loop beats
        // decoding, and this runs for every field of every row.
        func count(_ bytes: some Sequence<UInt8>) -> Int {
            var scalars = 0
            for byte in bytes where byte & 0xC0 != 0x80 { scalars += 1 }
            return scalars
        }
        return value.utf8.withContiguousStorageIfAvailable(count) ?? count(value.utf8)
    }

    /// A character a row's value must not hold, and where it is.
    package struct Flaw: Sendable, Equatable {
        package enum Kind: Sendable, Equatable {
            /// C0 (TAB, LF and CR included), DEL or C1.
            case control
            /// U+FFFE or U+FFFF: not a character XML 1.0 can carry in any form, escaped or not.
            case noncharacter
        }

        package var kind: Kind
        package var scalar: Unicode.Scalar
        /// 1-based position in Unicode scalars.
        package var position: Int

        /// `U+FFFE`
        package var name: String { FieldText.name(scalar) }
    }

    /// The first character of `value` that a row's value must not hold, or nil.
    package static func flaw(in value: String) -> Flaw? {
        // ASCII without controls is nearly every value: one pass over the bytes decides it.
        let clean =
            value.utf8.withContiguousStorageIfAvailable(isPrintableASCII) ?? isPrintableASCII(Array(value.utf8))
        if clean { return nil }
        var position = 0
        for scalar in value.unicodeScalars {
            position += 1
            if scalar.properties.generalCategory == .control {
                return Flaw(kind: .control, scalar: scalar, position: position)
            }
            if scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                return Flaw(kind: .noncharacter, scalar: scalar, position: position)
            }
        }
        return nil
    }

    private static func isPrintableASCII(_ bytes: some Collection<UInt8>) -> Bool {
        for byte in bytes where byte < 0x20 || byte >= 0x7F { return false }
        return true
    }

    /// Whether `bytes` (UTF-8) are XML 1.0 text: no C0 control but TAB, LF, CR; no U+FFFE, U+FFFF.
    ///
    /// The XML writer's last line of defence: libxml2's text writer copies such characters through
    /// and leaves a file no parser reads. Surrogates cannot occur in valid UTF-8.
    package static func isXMLText(_ bytes: some Collection<UInt8>) -> Bool {
        var previous: (UInt8, UInt8) = (0, 0)
        for byte in bytes {
            if byte < 0x20 {
                if byte != 0x09 && byte != 0x0A && byte != 0x0D { return false }
            } else if byte >= 0xBE && byte <= 0xBF && previous == (0xEF, 0xBF) {
                // U+FFFE and U+FFFF are EF BF BE and EF BF BF.
                return false
            }
            previous = (previous.1, byte)
        }
        return true
    }

    /// Refuses characters XML 1.0 has no way to represent (C0 controls other than TAB, LF, CR, and
    /// U+FFFE/U+FFFF) in the text of element `name` of the document `subject`. The row validator
    /// rejects them before anything is stored, so this only fires for values that bypassed it.
    package static func requireXMLText(_ text: String, in name: StaticString, of subject: String) throws {
        // Swift strings are native UTF-8, so this is a scan over contiguous bytes, no copy.
        let ok = text.utf8.withContiguousStorageIfAvailable(isXMLText) ?? isXMLText(Array(text.utf8))
        if !ok {
            throw MRABatError(
                .xml, "\(subject): <\(name)> contains a character XML 1.0 cannot carry: \"\(visible(text))\"",
                value: text)
        }
    }

    /// `value` with every control character and noncharacter written as `<U+XXXX>`, so a message
    /// shows what is there instead of an invisible character (or a line break that splits it).
    package static func visible(_ value: String) -> String {
        guard flaw(in: value) != nil else { return value }
        var text = ""
        for scalar in value.unicodeScalars {
            if scalar.properties.generalCategory == .control || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                text += "<\(name(scalar))>"
            } else {
                text.unicodeScalars.append(scalar)
            }
        }
        return text
    }

    /// `U+0009`, `U+FFFE`, `U+1F600`: the Unicode name of a code point's number.
    package static func name(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
