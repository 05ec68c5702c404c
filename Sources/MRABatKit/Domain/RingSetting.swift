/// How a line rings, as Unified CM's "Ring Setting (Phone Idle)" and "Ring Setting (Phone Active)"
/// offer it and BAT exports write it (`Use System Default`, `Ring`, …).
///
/// ``code`` is the value of Unified CM's `typeringsetting` enumeration, which the phone's config file
/// carries in `<ringSettingIdle>` and `<ringSettingActive>` (a capture shows `4` and `5`: Ring, Beep Only).
package enum RingSetting: String, Sendable, CaseIterable, Equatable, Codable {
    case useSystemDefault = "Use System Default"
    case disable = "Disable"
    case flashOnly = "Flash Only"
    case ringOnce = "Ring Once"
    case ring = "Ring"
    case beepOnly = "Beep Only"

    /// Unified CM's `typeringsetting` value.
    package var code: Int {
        switch self {
        case .useSystemDefault: 0
        case .disable: 1
        case .flashOnly: 2
        case .ringOnce: 3
        case .ring: 4
        case .beepOnly: 5
        }
    }

    /// The settings Unified CM offers when the phone is idle: all but `Beep Only`, which only makes
    /// sense during a call.
    package static let idleChoices: [RingSetting] = allCases.filter { $0 != .beepOnly }

    /// The setting named `text`, matched case-insensitively with white space folded; nil otherwise.
    package init?(named text: String) {
        let folded = BATHeader.fold(text)
        guard let match = Self.allCases.first(where: { BATHeader.fold($0.rawValue) == folded }) else { return nil }
        self = match
    }
}
