/// The BAT columns of real Unified CM files beyond the basic sheet: `DEVICE NAME` and the per-line
/// fields a phone's config file carries (call limits, external mask, ASCII names, ring settings).
extension RowValidator {
    /// What a `DEVICE NAME` value names.
    enum NamedDevice: Equatable {
        /// `SEP` + the 12 hex digits of the phone's MAC.
        case sep(MACAddress)
        /// A BAT dummy name (`BAT` + 12 uppercase hex digits), kept as it is.
        case bat(String)
        /// Neither: the reason says what a device name must be.
        case invalid(String)
    }

    /// Classifies a `DEVICE NAME`: `SEP` and 12 hex digits (either case; the name is made canonical,
    /// `SEP` + uppercase) or a BAT dummy name exactly as Unified CM writes it; anything else (a CSF or
    /// TAPS port name, a short MAC) is no phone mrabat can onboard.
    static func deviceName(_ value: String) -> NamedDevice {
        let rule =
            "a device name is SEP and the 12 hex digits of the phone's MAC (SEP001A2B3C4D5E), or a BAT dummy name: "
            + "BAT and 12 uppercase hex digits"
        let bytes = Array(value.utf8)
        let prefix = String(decoding: bytes.prefix(3), as: UTF8.self).uppercased()
        let rest = bytes.dropFirst(3)
        let isHex = rest.allSatisfy {
            ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x46) || ($0 >= 0x61 && $0 <= 0x66)
        }
        switch prefix {
        case "SEP" where rest.count == 12 && isHex:
            guard let mac = MACAddress(parsing: String(decoding: rest, as: UTF8.self)) else { return .invalid(rule) }
            return .sep(mac)
        case "SEP":
            return .invalid("has \(rest.count) characters after SEP\(isHex ? "" : ", not all hex digits"); \(rule)")
        case "BAT" where DeviceNamer.isDummyName(value):
            return .bat(value)
        case "BAT" where DeviceNamer.isDummyName(value.uppercased()):
            return .invalid("is a BAT dummy name in lowercase; write it as Unified CM does: \(value.uppercased())")
        case "BAT":
            return .invalid("has \(rest.count) characters after BAT\(isHex ? "" : ", not all hex digits"); \(rule)")
        default:
            return .invalid("is not a phone mrabat can onboard: \(rule)")
        }
    }

    /// The checked per-line fields beyond DN, display, label and partition.
    struct LineExtras {
        var maxNumCalls: Int?
        var busyTrigger: Int?
        var mask: String?
        var asciiDisplay: String?
        var asciiLabel: String?
        var ringIdle: RingSetting?
        var ringActive: RingSetting?
    }

    /// Reads and checks line `n`'s extra fields from `value` (a column's trimmed cell, nil if empty),
    /// reporting each problem through `report`.
    ///
    /// `MAXIMUM NUMBER OF CALLS` is 1–200 (Unified CM's ceiling) and `BUSY TRIGGER` 1 to it; one
    /// without the other is rejected, since a phone default for the missing one might not fit.
    /// `EXTERNAL PHONE NUMBER MASK` is 1–24 of `0-9 X * # +`; the ASCII names printable ASCII of at
    /// most 30 characters; ring settings one of Unified CM's choices (`Beep Only` only when active).
    func lineExtras(_ n: Int, _ value: [BATColumn: String?], report: (RowProblem) -> Void) -> LineExtras {
        func given(_ column: BATColumn) -> String? { value[column] ?? nil }
        func fail(_ tag: RowProblem.Tag, _ column: BATColumn, _ text: String?, _ reason: String) {
            report(problem(tag, column, text, reason))
        }
        var extras = LineExtras()

        func count(_ column: BATColumn, tag: RowProblem.Tag, what: String, range: ClosedRange<Int>) -> Int? {
            guard let text = given(column) else { return nil }
            if let number = Self.wholeNumber(text), range.contains(number) { return number }
            let decimal = text.wholeMatch(of: /[0-9]+\.0+/) != nil
            fail(
                tag, column, text,
                decimal
                    ? "has a decimal part, as a spreadsheet adds to numbers; write \(text.prefix { $0 != "." })"
                    : "is not \(what): a whole number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        let maxCalls = count(
            .maxNumCalls(n), tag: .maxCallsInvalid, what: "a number of calls", range: 1...Limit.maxNumCalls)
        let busy = count(
            .busyTrigger(n), tag: .busyTriggerInvalid, what: "a busy trigger", range: 1...Limit.maxNumCalls)
        switch (given(.maxNumCalls(n)), given(.busyTrigger(n))) {
        case (let max?, nil):
            fail(
                .maxCallsWithoutBusyTrigger, .maxNumCalls(n), max,
                "is set but BUSY TRIGGER \(n) is empty; give both, so that they fit each other")
        case (nil, let trigger?):
            fail(
                .busyTriggerWithoutMaxCalls, .busyTrigger(n), trigger,
                "is set but MAXIMUM NUMBER OF CALLS \(n) is empty; give both, so that they fit each other")
        default:
            if let maxCalls, let busy, busy > maxCalls {
                fail(
                    .busyTriggerOverMaxCalls, .busyTrigger(n), String(busy),
                    "is more than MAXIMUM NUMBER OF CALLS \(n) (\(maxCalls)); a line is busy after at most "
                        + "its maximum number of calls")
            }
        }
        extras.maxNumCalls = maxCalls
        extras.busyTrigger = busy

        if let mask = given(.externalPhoneNumberMask(n)) {
            if Self.isExternalMask(mask) {
                extras.mask = mask
            } else {
                fail(
                    .externalMaskInvalid, .externalPhoneNumberMask(n), mask,
                    "is not an external phone number mask: 1–\(Limit.externalPhoneNumberMask) of 0-9 X * # +")
            }
        }

        func ascii(_ column: BATColumn, tooLong: RowProblem.Tag) -> String? {
            guard let text = given(column) else { return nil }
            if let bad = text.unicodeScalars.first(where: { $0.value < 0x20 || $0.value > 0x7E }) {
                fail(
                    .notASCII, column, text,
                    "holds \(FieldText.name(bad)), which is not printable ASCII; this field is the name shown "
                        + "where Unicode cannot be")
                return nil
            }
            if text.utf8.count > Limit.display {
                fail(
                    tooLong, column, text, "is \(text.utf8.count) characters long; at most \(Limit.display) are allowed"
                )
                return nil
            }
            return text
        }
        extras.asciiDisplay = ascii(.asciiDisplay(n), tooLong: .asciiDisplayTooLong)
        extras.asciiLabel = ascii(.asciiLineTextLabel(n), tooLong: .asciiLabelTooLong)

        func ring(_ column: BATColumn, choices: [RingSetting]) -> RingSetting? {
            guard let text = given(column) else { return nil }
            if let setting = RingSetting(named: text), choices.contains(setting) { return setting }
            let names = choices.map(\.rawValue)
            let offered = names.map { "\"\($0)\"" }.joined(separator: ", ")
            fail(
                .ringSettingInvalid, column, text,
                "is not one of \(offered)" + DidYouMean.hint(for: text, among: names))
            return nil
        }
        extras.ringIdle = ring(.ringSettingIdle(n), choices: RingSetting.idleChoices)
        extras.ringActive = ring(.ringSettingActive(n), choices: RingSetting.allCases)
        return extras
    }

    /// 1–3 ASCII digits without sign or leading `+`, as an Int.
    static func wholeNumber(_ text: String) -> Int? {
        let bytes = text.utf8
        guard (1...3).contains(bytes.count), bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(text)
    }

    /// 1–24 of `0-9 X * # +` (Unified CM's mask alphabet: `X` keeps the DN's digit).
    static func isExternalMask(_ text: String) -> Bool {
        let bytes = text.utf8
        guard (1...Limit.externalPhoneNumberMask).contains(bytes.count) else { return false }
        return bytes.allSatisfy {
            ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "X") || $0 == UInt8(ascii: "*")
                || $0 == UInt8(ascii: "#") || $0 == UInt8(ascii: "+")
        }
    }
}
