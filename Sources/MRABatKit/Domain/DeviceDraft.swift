/// A row merged with its template and checked: everything needed to create one device.
@dynamicMemberLookup
package struct DeviceDraft: Sendable, Equatable {
    /// The CSV line the row started on.
    package var sourceLine: Int
    package var mac: MACAddress?
    /// The row's own `DEVICE NAME` (`SEP<MAC>` in canonical form, or a `BAT…` name), which naming keeps.
    package var requestedName: String?
    /// Assigned by naming: the requested name, else `SEP<MAC>`, else a fresh `BAT…` name.
    package var name: String = ""
    package var attributes: DeviceAttributes
    package var templateName: String
    /// Things worth a look that do not stop the row (a DN that may have lost its `+`, a typographic quote in a description).
    package var warnings: [RowProblem] = []

    package subscript<T>(dynamicMember keyPath: WritableKeyPath<DeviceAttributes, T>) -> T {
        get { attributes[keyPath: keyPath] }
        set { attributes[keyPath: keyPath] = newValue }
    }

    /// What identifies "the same phone" across runs (see ``NaturalKey``).
    package var naturalKey: NaturalKey { NaturalKey(mac: mac, attributes: attributes) }
}
