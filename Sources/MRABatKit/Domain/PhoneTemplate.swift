/// A BAT phone template: the device defaults a job applies before a row's own values.
///
/// Loaded from YAML (see ``PhoneTemplate/load(path:)``); `Templates/` ships several.
package struct PhoneTemplate: Sendable, Equatable, Codable {
    package var name: String
    /// The model rows get when they have no `DEVICE TYPE`; nil means every row must name one.
    package var model: String?
    package var deviceProtocol: String
    /// The pool rows get when they have no `DEVICE POOL`; nil means every row must name one.
    package var devicePool: String?
    /// Overrides the catalogue's button template for the model when set.
    package var phoneButtonTemplate: String?
    package var softkeyTemplate: String
    package var securityProfile: String
    package var sipProfile: String
    package var css: String?
    package var location: String?
    package var userLocale: String
    package var requiresActivationCodeOnboarding: Bool
    package var allowActivationCodeViaMRA: Bool
    package var mraServiceDomain: String?
    /// 88x1/88x5 phones carry twice the lines in enhanced line mode.
    package var enhancedLineMode: Bool
    /// Per-line defaults; their count is the most lines a row may fill.
    package var lines: [LineTemplate]

    package init(
        name: String, model: String?, deviceProtocol: String = "SIP", devicePool: String?,
        phoneButtonTemplate: String? = nil, softkeyTemplate: String, securityProfile: String, sipProfile: String,
        css: String? = nil, location: String? = nil, userLocale: String, requiresActivationCodeOnboarding: Bool,
        allowActivationCodeViaMRA: Bool, mraServiceDomain: String? = nil, enhancedLineMode: Bool = false,
        lines: [LineTemplate]
    ) {
        self.name = name
        self.model = model
        self.deviceProtocol = deviceProtocol
        self.devicePool = devicePool
        self.phoneButtonTemplate = phoneButtonTemplate
        self.softkeyTemplate = softkeyTemplate
        self.securityProfile = securityProfile
        self.sipProfile = sipProfile
        self.css = css
        self.location = location
        self.userLocale = userLocale
        self.requiresActivationCodeOnboarding = requiresActivationCodeOnboarding
        self.allowActivationCodeViaMRA = allowActivationCodeViaMRA
        self.mraServiceDomain = mraServiceDomain
        self.enhancedLineMode = enhancedLineMode
        self.lines = lines
    }
}

/// Defaults for one line of a template.
package struct LineTemplate: Sendable, Equatable, Codable {
    package var partition: String?
    package var display: String?
    package var label: String?

    package init(partition: String? = nil, display: String? = nil, label: String? = nil) {
        self.partition = partition
        self.display = display
        self.label = label
    }
}
