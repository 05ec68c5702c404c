/// What a phone presents to the activation service besides its SRP hello: its MAC, its model,
/// optionally its manufacturer-installed certificate, and where it connected from.
package struct PhoneIdentity: Sendable, Equatable {
    package var mac: MACAddress
    /// The model as the phone reports it (`Cisco 8845` or `8845`).
    package var model: String
    /// A PEM file with the phone's MIC (and any intermediate CAs after it), when the phone presents one.
    package var micFile: String?
    /// The MIC chain as PEM text, when it arrived another way (the TLS client certificate of `mrabat serve`).
    package var micPEM: [UInt8]?
    /// Whether a MIC is required: over the network it is the TLS client certificate, and a phone
    /// without one is refused (`mic-missing`); `mrabat activate` in process checks it only when given.
    package var micRequired: Bool
    /// The client's network address (`mrabat serve`), for the audit log; nil in process.
    package var sourceAddress: String?

    package init(
        mac: MACAddress, model: String, micFile: String? = nil, micPEM: [UInt8]? = nil, micRequired: Bool = false,
        sourceAddress: String? = nil
    ) {
        self.mac = mac
        self.model = model
        self.micFile = micFile
        self.micPEM = micPEM
        self.micRequired = micRequired
        self.sourceAddress = sourceAddress
    }

    /// Whether the phone presented a MIC at all.
    package var presentsMIC: Bool { micFile != nil || micPEM != nil }

    /// How the audit log names the phone: its would-be name, model and, over the network, its address.
    var auditDescription: String {
        "phone \(mac.deviceName) (\(model))" + (sourceAddress.map { " from \($0)" } ?? "")
    }
}
