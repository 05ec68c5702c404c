/// What identifies "the same phone" across runs, so a re-run does not create it twice.
///
/// A row with a MAC is that MAC. A row without one is its owner (case-insensitive), model and first
/// line (DN and partition): a user does not get two phones of one model on one first line by
/// accident, while a second phone of another model, or on another line, is a new device.
///
/// Compared by value everywhere (never by hash), and stored as ``stored`` in a unique column.
package enum NaturalKey: Sendable, Hashable, CustomStringConvertible {
    case mac(String)
    case row(owner: String, model: String, directoryNumber: String, partition: String)

    /// The key of a device with these attributes and, if known from its row, this MAC.
    package init(mac: MACAddress?, attributes: DeviceAttributes) {
        if let mac {
            self = .mac(mac.hex)
        } else {
            let first = attributes.lines.first
            self = .row(
                owner: attributes.ownerUserID.lowercased(), model: attributes.model,
                directoryNumber: first?.directoryNumber ?? "", partition: first?.partition ?? "")
        }
    }

    /// The text form in the store's `natural_key` column: `mac:<hex>` or `row:<owner>|<model>|<dn>|<partition>`.
    ///
    /// Only ever compared, never parsed back: a device's key is recomputed from its attributes.
    package var stored: String {
        switch self {
        case .mac(let hex): "mac:\(hex)"
        case .row(let owner, let model, let dn, let partition): "row:\(owner)|\(model)|\(dn)|\(partition)"
        }
    }

    /// The key a stored device was created under, from its ``stored`` form: its MAC if it was
    /// provisioned with one, else from its attributes (an activated device keeps the key it was created with).
    package init(stored: String, device: StoredDevice) {
        self =
            stored.hasPrefix("mac:")
            ? .mac(String(stored.dropFirst(4))) : NaturalKey(mac: nil, attributes: device.attributes)
    }

    package var description: String { stored }
}
