import Foundation
import Testing

@testable import MRABatKit

@Suite struct UnifiedCMNameTests {
    /// The fast comparison answers exactly as Foundation's case-insensitive one, on ASCII and beyond.
    @Test func agreesWithFoundationOnEveryPair() {
        let names = [
            "", "a", "A", "DP-Dallas", "dp-dallas", "DP-DALLAS", "DP-Dallas ", "DP_Dallas", "CMLocal", "cmlocal",
            "CMLocal2", "English_United_States", "english_united_states", "Standard SIP Profile",
            "Cisco 8845 - Standard SIP Non-Secure Profile", "Zürich", "ZÜRICH", "zurich", "Straße", "STRASSE",
            "İstanbul", "istanbul", "Ω", "ω", "@[`{", "`", "@", "[", "{",
        ]
        for left in names {
            for right in names {
                let expected = left.caseInsensitiveCompare(right) == .orderedSame
                #expect(left.isSameName(as: right) == expected, "\(left) vs \(right)")
            }
        }
    }

    @Test func configLookupsIgnoreCase() {
        let settings = PhoneFileSettings(
            dateTimeGroups: [
                DateTimeGroup(
                    name: "DTG-Dallas", dateTemplate: "M/D/Y", timeZone: "Central Standard/Daylight Time",
                    olsonTimeZone: "America/Chicago", ntpServers: [])
            ])
        #expect(settings.dateTimeGroup(named: "dtg-dallas")?.name == "DTG-Dallas")
        #expect(settings.dateTimeGroup(named: "cmlocal") == DateTimeGroup.builtIn)
        #expect(settings.dateTimeGroup(named: "DTG-Austin") == nil)
    }
}
