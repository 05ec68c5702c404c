/// A row merged with its template and checked: everything needed to create one device.
@dynamicMemberLookup
public struct DeviceDraft: Sendable, Equatable {
    /// The CSV line the row started on.
    public var sourceLine: Int
    public var mac: MACAddress?
    /// Assigned by naming: `SEP<MAC>` or `BAT…`.
    public var name: String = ""
    public var attributes: DeviceAttributes
    public var templateName: String
    /// Things worth a look that do not stop the row (a DN that may have lost its `+`, a typographic quote in a description).
    public var warnings: [RowProblem] = []

    public subscript<T>(dynamicMember keyPath: WritableKeyPath<DeviceAttributes, T>) -> T {
        get { attributes[keyPath: keyPath] }
        set { attributes[keyPath: keyPath] = newValue }
    }

    /// What identifies "the same phone" across runs (see ``NaturalKey``).
    public var naturalKey: NaturalKey { NaturalKey(mac: mac, attributes: attributes) }
}
