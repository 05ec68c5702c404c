/// What a phone presents to the activation service besides its SRP hello: its MAC, its model
/// and, optionally, its manufacturer-installed certificate.
public struct PhoneIdentity: Sendable, Equatable {
    public var mac: MACAddress
    /// The model as the phone reports it (`Cisco 8845` or `8845`).
    public var model: String
    /// A PEM file with the phone's MIC (and any intermediate CAs after it), when the phone presents one.
    public var micFile: String?

    public init(mac: MACAddress, model: String, micFile: String? = nil) {
        self.mac = mac
        self.model = model
        self.micFile = micFile
    }

    /// How the audit log names the phone.
    var auditDescription: String { "phone \(mac.deviceName) (\(model))" }
}
