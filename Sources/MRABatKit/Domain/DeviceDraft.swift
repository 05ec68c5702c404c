/// A row merged with its template and checked: everything needed to create one device.
@dynamicMemberLookup
package struct DeviceDraft: Sendable, Equatable {
    /// The CSV line the row started on.
    package var sourceLine: Int
    package var mac: MACAddress?
    /// Assigned by naming: the requested name, else `SEP<MAC>`, else a fresh `BAT…` name.
    package var name: String = ""
    /// The row's `DEVICE NAME`, normalised (`SEP` + 12 uppercase hex, or a `BAT…` name), if it gives one:
    /// the device `update` and `plan` match first, and the name a new device without a MAC keeps.
    package var requestedName: String?
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

    /// The key the row would have without its MAC (owner, model, first line): how `update` finds a
    /// phone provisioned without a MAC that a row now gives one.
    package var rowKey: NaturalKey { NaturalKey(mac: nil, attributes: attributes) }
}
