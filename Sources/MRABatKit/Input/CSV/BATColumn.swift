/// A column of a BAT phone CSV that mrabat understands.
///
/// Line columns carry their 1-based line number: `DIRECTORY NUMBER 2` is `.directoryNumber(2)`.
package enum BATColumn: Hashable, Sendable {
    case macAddress, description, deviceType, devicePool, ownerUserID, mraServiceDomain, location, css
    /// `DEVICE NAME`: `SEP<MAC>` or a `BAT…` dummy name (SPEC §2), the device `update` and `delete` find first.
    case deviceName
    case directoryNumber(Int)
    case display(Int)
    case lineTextLabel(Int)
    case partition(Int)

    /// The canonical header name, as mrabat writes it: `DEVICE TYPE`, `DIRECTORY NUMBER 1`.
    package var name: String {
        switch self {
        case .macAddress: "MAC ADDRESS"
        case .description: "DESCRIPTION"
        case .deviceType: "DEVICE TYPE"
        case .devicePool: "DEVICE POOL"
        case .ownerUserID: "OWNER USER ID"
        case .mraServiceDomain: "MRA SERVICE DOMAIN"
        case .location: "LOCATION"
        case .css: "CSS"
        case .deviceName: "DEVICE NAME"
        case .directoryNumber(let line): "DIRECTORY NUMBER \(line)"
        case .display(let line): "DISPLAY \(line)"
        case .lineTextLabel(let line): "LINE TEXT LABEL \(line)"
        case .partition(let line): "PARTITION \(line)"
        }
    }

    /// The line number of a per-line column, nil for a device column.
    package var lineNumber: Int? {
        switch self {
        case .directoryNumber(let line), .display(let line), .lineTextLabel(let line), .partition(let line): line
        default: nil
        }
    }

    /// Recognises a header name, case-insensitively and with white space folded (see ``BATHeader/fold(_:)``).
    ///
    /// Besides the canonical names it accepts these aliases, none of which can mean anything else in a
    /// phone sheet: `MAC` (MAC ADDRESS); `MODEL`, `PHONE TYPE` (DEVICE TYPE); `USER ID` (OWNER USER ID);
    /// `DN n` (DIRECTORY NUMBER n); `ROUTE PARTITION n` (PARTITION n, Cisco BAT's own spelling).
    /// The line number may follow its name without a space (`DISPLAY1`) and must be 1 or more.
    package init?(headerName: String) {
        let name = BATHeader.fold(headerName)
        if let column = Self.deviceColumns[name] {
            self = column
            return
        }
        // Split "DIRECTORY NUMBER 12" into its name and its trailing line number.
        let digits = name.reversed().prefix(while: \.isASCIIDigit).count
        guard digits > 0, digits <= 4, let line = Int(name.suffix(digits)), line >= 1 else { return nil }
        let stem = String(name.dropLast(digits)).trimmingSuffix(" ")
        switch stem {
        case "DIRECTORY NUMBER", "DN": self = .directoryNumber(line)
        case "DISPLAY": self = .display(line)
        case "LINE TEXT LABEL": self = .lineTextLabel(line)
        case "PARTITION", "ROUTE PARTITION": self = .partition(line)
        default: return nil
        }
    }

    private static let deviceColumns: [String: BATColumn] = [
        "MAC ADDRESS": .macAddress, "MAC": .macAddress,
        "DESCRIPTION": .description,
        "DEVICE TYPE": .deviceType, "MODEL": .deviceType, "PHONE TYPE": .deviceType,
        "DEVICE POOL": .devicePool,
        "OWNER USER ID": .ownerUserID, "USER ID": .ownerUserID,
        "MRA SERVICE DOMAIN": .mraServiceDomain,
        "LOCATION": .location,
        "CSS": .css,
        "DEVICE NAME": .deviceName,
    ]
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

extension String {
    fileprivate func trimmingSuffix(_ character: Character) -> String {
        var text = self
        while text.last == character { text.removeLast() }
        return text
    }
}
