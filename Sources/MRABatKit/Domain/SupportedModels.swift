/// The phone models Cisco supports for activation-code onboarding over MRA.
///
/// This is a domain fact, not configuration: a cluster's model catalogue (line capacities,
/// firmware loads) may list only these. Any other model is rejected.
package enum SupportedModels {
    /// Canonical names, as CUCM spells them.
    package static let names: [String] = [
        "Cisco 7811", "Cisco 7821", "Cisco 7832", "Cisco 7841", "Cisco 7861",
        "Cisco 8811", "Cisco 8832", "Cisco 8832NR", "Cisco 8841", "Cisco 8845",
        "Cisco 8851", "Cisco 8851NR", "Cisco 8861", "Cisco 8865", "Cisco 8865NR",
    ]

    private static let byKey: [String: String] = {
        var map: [String: String] = [:]
        for name in names {
            // The canonical spelling itself, so that the common row finds it without folding (which
            // was a tenth of row validation: split, join and uppercase per row).
            map[name] = name
            map[key(name)] = name
            map[key(String(name.dropFirst("Cisco ".count)))] = name
        }
        return map
    }()

    /// The canonical name for `Cisco 8845`, `cisco  8845` or `8845`; nil if unsupported.
    package static func canonical(_ text: String) -> String? {
        // Most rows spell the model exactly; only odd spellings pay for folding.
        byKey[text] ?? byKey[key(text)]
    }

    private static func key(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ").uppercased()
    }
}
