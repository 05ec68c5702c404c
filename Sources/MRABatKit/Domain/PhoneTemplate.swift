/// A BAT phone template: the device defaults a job applies before a row's own values.
///
/// Loaded from YAML (see ``PhoneTemplate/load(path:)``); `Templates/` ships several.
public struct PhoneTemplate: Sendable, Equatable, Codable {
    public var name: String
    /// The model rows get when they have no `DEVICE TYPE`; nil means every row must name one.
    public var model: String?
    public var deviceProtocol: String
    /// The pool rows get when they have no `DEVICE POOL`; nil means every row must name one.
    public var devicePool: String?
    /// Overrides the catalogue's button template for the model when set.
    public var phoneButtonTemplate: String?
    public var softkeyTemplate: String
    public var securityProfile: String
    public var sipProfile: String
    public var css: String?
    public var location: String?
    public var userLocale: String
    public var requiresActivationCodeOnboarding: Bool
    public var allowActivationCodeViaMRA: Bool
    public var mraServiceDomain: String?
    /// 88x1/88x5 phones carry twice the lines in enhanced line mode.
    public var enhancedLineMode: Bool
    /// Per-line defaults; their count is the most lines a row may fill.
    public var lines: [LineTemplate]

    public init(
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
public struct LineTemplate: Sendable, Equatable, Codable {
    public var partition: String?
    public var display: String?
    public var label: String?

    public init(partition: String? = nil, display: String? = nil, label: String? = nil) {
        self.partition = partition
        self.display = display
        self.label = label
    }
}
