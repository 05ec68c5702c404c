/// A workbook cell's value as text: numbers as stored (no exponent, no `.0`), dates and times in
/// ISO 8601, booleans as `TRUE`/`FALSE` — what the cell holds, not what a format displays.
enum WorkbookValue {
    /// A stored number as plain decimal text: `1.23456789012E+11` → `123456789012`, `4001.0` →
    /// `4001`, `-0` → `0`. Digits are moved, never computed, so nothing is rounded. Text that is no
    /// decimal number (`NaN`, `INF`, garbage) is returned unchanged.
    static func number(_ stored: String) -> String {
        // Most stored numbers are plain integers (directory numbers): nothing to move.
        let utf8 = stored.utf8
        if let first = utf8.first, first >= 0x31 && first <= 0x39, utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            return stored
        }
        var bytes = Array(utf8)
        // Trim the white space a writer may leave around a value.
        while bytes.last.map(isSpace) == true { bytes.removeLast() }
        var start = 0
        while start < bytes.count && isSpace(bytes[start]) { start += 1 }
        var index = start
        var negative = false
        if index < bytes.count && (bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+")) {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        var digits: [UInt8] = []
        var integerDigits = 0
        var sawPoint = false
        var sawDigit = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte >= 0x30 && byte <= 0x39 {
                digits.append(byte)
                if !sawPoint { integerDigits += 1 }
                sawDigit = true
            } else if byte == UInt8(ascii: ".") && !sawPoint {
                sawPoint = true
            } else {
                break
            }
            index += 1
        }
        guard sawDigit else { return stored }
        var exponent = 0
        if index < bytes.count && (bytes[index] | 0x20) == UInt8(ascii: "e") {
            index += 1
            var exponentNegative = false
            if index < bytes.count && (bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+")) {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            var exponentDigits = 0
            while index < bytes.count, bytes[index] >= 0x30 && bytes[index] <= 0x39 {
                exponent = exponent * 10 + Int(bytes[index] - 0x30)
                exponentDigits += 1
                // Beyond any double's range: not a number a workbook stores.
                if exponent > 400 { return stored }
                index += 1
            }
            guard exponentDigits > 0 else { return stored }
            if exponentNegative { exponent = -exponent }
        }
        guard index == bytes.count else { return stored }

        // The point moves `exponent` places; pad with zeros on whichever side runs out.
        let point = integerDigits + exponent
        var integer: [UInt8]
        var fraction: [UInt8]
        if point <= 0 {
            integer = []
            fraction = Array(repeating: UInt8(ascii: "0"), count: -point) + digits
        } else if point >= digits.count {
            integer = digits + Array(repeating: UInt8(ascii: "0"), count: point - digits.count)
            fraction = []
        } else {
            integer = Array(digits[..<point])
            fraction = Array(digits[point...])
        }
        while integer.first == UInt8(ascii: "0") { integer.removeFirst() }
        while fraction.last == UInt8(ascii: "0") { fraction.removeLast() }
        if integer.isEmpty { integer = [UInt8(ascii: "0")] }
        var text = integer
        if !fraction.isEmpty { text += [UInt8(ascii: ".")] + fraction }
        let zero = integer == [UInt8(ascii: "0")] && fraction.isEmpty
        return (negative && !zero ? "-" : "") + String(decoding: text, as: UTF8.self)
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// What a number format shows of a date: its date, its time of day, or both.
    struct DateParts: Equatable, Sendable {
        var date: Bool
        var time: Bool
    }

    /// Whether an Excel number format code formats dates or times, and which parts.
    ///
    /// Quoted text, `\\`-escaped characters, `_x` and `*x` fills and `[…]` sections (colours,
    /// conditions, locales) are left out, but `[h]`, `[mm]`, `[ss]` (elapsed time) count as time. Of
    /// what is left, `y` or `d` make a date and `h` or `s` a time; `m` is a month unless the code has
    /// `h` or `s` (then `h:mm`, `mm:ss` are minutes). Only the first section (before `;`) counts.
    static func dateParts(formatCode code: String) -> DateParts? {
        var letters = Set<UInt8>()
        var bytes = Array(code.utf8).makeIterator()
        loop: while let byte = bytes.next() {
            switch byte {
            case UInt8(ascii: ";"):
                break loop
            case UInt8(ascii: "\""):
                while let next = bytes.next(), next != UInt8(ascii: "\"") {}
            case UInt8(ascii: "\\"), UInt8(ascii: "_"), UInt8(ascii: "*"):
                _ = bytes.next()
            case UInt8(ascii: "["):
                var inside: [UInt8] = []
                while let next = bytes.next(), next != UInt8(ascii: "]") { inside.append(next | 0x20) }
                let elapsed: Set<UInt8> = [UInt8(ascii: "h"), UInt8(ascii: "m"), UInt8(ascii: "s")]
                if !inside.isEmpty, inside.allSatisfy(elapsed.contains) { letters.insert(UInt8(ascii: "h")) }
            default:
                letters.insert(byte | 0x20)
            }
        }
        let time = letters.contains(UInt8(ascii: "h")) || letters.contains(UInt8(ascii: "s"))
        let date =
            letters.contains(UInt8(ascii: "y")) || letters.contains(UInt8(ascii: "d"))
            || (letters.contains(UInt8(ascii: "m")) && !time)
        guard date || time else { return nil }
        return DateParts(date: date, time: time)
    }

    /// The number formats Excel builds in that show dates or times (ECMA-376 §18.8.30).
    static func builtInDateParts(_ id: Int) -> DateParts? {
        switch id {
        case 14...17, 27...31, 34...36, 50...58: DateParts(date: true, time: false)
        case 18...21, 32, 33, 45...47: DateParts(date: false, time: true)
        case 22: DateParts(date: true, time: true)
        default: nil
        }
    }

    /// A date serial (days since 1899-12-30, or since 1904-01-01) as ISO 8601: `2024-03-15`, with
    /// `T10:30:00` when it has a time of day; `10:30:00` alone for a time format's value under a day.
    /// Nil when the stored text is no number or out of range.
    static func isoDate(serial stored: String, date1904: Bool, parts: DateParts) -> String? {
        guard let serial = Double(number(stored)), serial.isFinite, serial >= 0, serial < 2_958_466 else {
            return nil
        }
        var days = Int(serial.rounded(.down))
        var seconds = Int(((serial - Double(days)) * 86_400).rounded())
        if seconds >= 86_400 {
            days += 1
            seconds -= 86_400
        }
        let time =
            pad(seconds / 3600) + ":" + pad(seconds / 60 % 60) + ":" + pad(seconds % 60)
        if !parts.date && days == 0 { return time }
        let date: String
        if date1904 {
            date = civil(unixDay: days - 24_107)
        } else if days == 60 {
            // Lotus 1-2-3's 29 February 1900, which Excel keeps for compatibility.
            date = "1900-02-29"
        } else {
            date = civil(unixDay: days < 60 ? days - 25_568 : days - 25_569)
        }
        return seconds == 0 && !(parts.time && !parts.date) ? date : date + "T" + time
    }

    /// An ODF duration (`PT10H30M00S`, a time cell's value) as `10:30:00`; nil if it is no duration.
    static func isoTime(duration: String) -> String? {
        var text = Substring(duration)
        guard text.hasPrefix("PT") || text.hasPrefix("-PT") else { return nil }
        let negative = text.hasPrefix("-")
        text = text.dropFirst(negative ? 3 : 2)
        var hours = 0
        var minutes = 0
        var seconds = "00"
        var number = ""
        for character in text {
            switch character {
            case "H": hours = Int(number) ?? 0; number = ""
            case "M": minutes = Int(number) ?? 0; number = ""
            case "S":
                let parts = number.split(separator: ".", maxSplits: 1)
                guard let whole = parts.first.flatMap({ Int($0) }) else { return nil }
                seconds = pad(whole) + (parts.count > 1 ? "." + parts[1] : "")
                number = ""
            default:
                guard character.isASCII && (character.isNumber || character == ".") else { return nil }
                number.append(character)
            }
        }
        return (negative ? "-" : "") + pad(hours) + ":" + pad(minutes) + ":" + seconds
    }

    private static func pad(_ value: Int) -> String {
        value < 10 ? "0\(value)" : String(value)
    }

    /// `YYYY-MM-DD` of a day counted from 1970-01-01 (H. Hinnant's civil_from_days).
    static func civil(unixDay: Int) -> String {
        let z = unixDay + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let yearText = String(year)
        return String(repeating: "0", count: max(0, 4 - yearText.count)) + yearText + "-" + pad(month) + "-" + pad(day)
    }

    /// Undoes OOXML's `_xHHHH_` escapes (ECMA-376 §22.9.2.19): Excel writes a character XML cannot
    /// carry, such as a CR, as `_x000D_`, and a literal `_x` as `_x005F_x`.
    static func unescapeOOXML(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "_")) else { return text }
        let bytes = Array(text.utf8)
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "_"), index + 6 < bytes.count, bytes[index + 1] == UInt8(ascii: "x"),
                bytes[index + 6] == UInt8(ascii: "_"),
                let code = UInt32(String(decoding: bytes[(index + 2)..<(index + 6)], as: UTF8.self), radix: 16),
                let scalar = Unicode.Scalar(code)
            {
                result += Array(String(Character(scalar)).utf8)
                index += 7
            } else {
                result.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// A C string of decimal digits (a style index) as a number; nil if it is anything else.
    static func integer(_ pointer: UnsafePointer<UInt8>) -> Int? {
        var value = 0
        var index = 0
        while pointer[index] != 0 {
            let digit = Int(pointer[index]) - 0x30
            guard digit >= 0 && digit <= 9, value < 1 << 40 else { return nil }
            value = value * 10 + digit
            index += 1
        }
        return index > 0 ? value : nil
    }

    /// A cell reference's column and row: `C812` → (3, 812); nil if it is no reference.
    static func reference(_ pointer: UnsafePointer<UInt8>) -> (column: Int, row: Int)? {
        var index = 0
        var column = 0
        while true {
            let byte = pointer[index] & ~0x20
            guard byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") else { break }
            column = column * 26 + Int(byte - UInt8(ascii: "A") + 1)
            if column > 1 << 20 { return nil }
            index += 1
        }
        if pointer[index] == UInt8(ascii: "$") { index += 1 }
        var row = 0
        var rowDigits = 0
        while pointer[index] >= 0x30 && pointer[index] <= 0x39 {
            row = row * 10 + Int(pointer[index] - 0x30)
            if row > 1 << 30 { return nil }
            rowDigits += 1
            index += 1
        }
        guard pointer[index] == 0 else { return nil }
        return (column, rowDigits > 0 ? row : 0)
    }

    /// `A1:C3` (or one cell `B2`) as its first and last columns and rows.
    static func range(_ text: String) -> (first: (column: Int, row: Int), last: (column: Int, row: Int))? {
        let ends = text.split(separator: ":", maxSplits: 1).map { String($0).replacingDollars() }
        func parse(_ part: String) -> (column: Int, row: Int)? {
            part.withCString { pointer in
                pointer.withMemoryRebound(to: UInt8.self, capacity: part.utf8.count + 1) { reference($0) }
            }
        }
        guard let first = ends.first.flatMap(parse) else { return nil }
        let last = ends.count > 1 ? parse(ends[1]) : first
        guard let last, first.row > 0, last.row > 0, first.column > 0, last.column > 0 else { return nil }
        return (first, last)
    }
}

extension String {
    fileprivate func replacingDollars() -> String {
        String(filter { $0 != "$" })
    }
}
