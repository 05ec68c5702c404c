/// A column of a BAT phone CSV that mrabat understands.
///
/// Line columns carry their 1-based line number: `DIRECTORY NUMBER 2` is `.directoryNumber(2)`.
package enum BATColumn: Hashable, Sendable {
    case macAddress, deviceName, description, deviceType, devicePool, ownerUserID, userID, mraServiceDomain
    case location, css
    case directoryNumber(Int)
    case display(Int)
    case lineTextLabel(Int)
    case partition(Int)
    case maxNumCalls(Int)
    case busyTrigger(Int)
    case externalPhoneNumberMask(Int)
    case asciiDisplay(Int)
    case asciiLineTextLabel(Int)
    case ringSettingIdle(Int)
    case ringSettingActive(Int)

    /// The canonical header name, as mrabat writes it: `DEVICE TYPE`, `DIRECTORY NUMBER 1`.
    package var name: String {
        switch self {
        case .macAddress: "MAC ADDRESS"
        case .deviceName: "DEVICE NAME"
        case .description: "DESCRIPTION"
        case .deviceType: "DEVICE TYPE"
        case .devicePool: "DEVICE POOL"
        case .ownerUserID: "OWNER USER ID"
        case .userID: "USER ID"
        case .mraServiceDomain: "MRA SERVICE DOMAIN"
        case .location: "LOCATION"
        case .css: "CSS"
        default: lineStemAndNumber.map { "\($0.stem) \($0.line)" } ?? ""
        }
    }

    /// The line number of a per-line column, nil for a device column.
    package var lineNumber: Int? { lineStemAndNumber?.line }

    /// A per-line column's canonical name without its number, and its number.
    private var lineStemAndNumber: (stem: String, line: Int)? {
        switch self {
        case .directoryNumber(let line): ("DIRECTORY NUMBER", line)
        case .display(let line): ("DISPLAY", line)
        case .lineTextLabel(let line): ("LINE TEXT LABEL", line)
        case .partition(let line): ("PARTITION", line)
        case .maxNumCalls(let line): ("MAXIMUM NUMBER OF CALLS", line)
        case .busyTrigger(let line): ("BUSY TRIGGER", line)
        case .externalPhoneNumberMask(let line): ("EXTERNAL PHONE NUMBER MASK", line)
        case .asciiDisplay(let line): ("ASCII DISPLAY", line)
        case .asciiLineTextLabel(let line): ("ASCII LINE TEXT LABEL", line)
        case .ringSettingIdle(let line): ("RING SETTING (PHONE IDLE)", line)
        case .ringSettingActive(let line): ("RING SETTING (PHONE ACTIVE)", line)
        default: nil
        }
    }

    /// Every per-line column of line `n`, in the order the validator reads them.
    package static func lineColumns(_ n: Int) -> [BATColumn] {
        [
            .directoryNumber(n), .display(n), .lineTextLabel(n), .partition(n), .maxNumCalls(n), .busyTrigger(n),
            .externalPhoneNumberMask(n), .asciiDisplay(n), .asciiLineTextLabel(n), .ringSettingIdle(n),
            .ringSettingActive(n),
        ]
    }

    /// Recognises a header name, case-insensitively and with white space folded (see ``BATHeader/fold(_:)``).
    ///
    /// Besides the canonical names it accepts these aliases, none of which can mean anything else in a
    /// phone sheet: `MAC` (MAC ADDRESS); `MODEL`, `PHONE TYPE` (DEVICE TYPE); `USER ID 1` (USER ID: an
    /// All-Details export numbers the associated users); `DN n` (DIRECTORY NUMBER n); `ROUTE PARTITION n`
    /// (PARTITION n, Cisco BAT's own spelling). `USER ID` is the associated user, never the owner.
    /// The line number may follow its name without a space (`DISPLAY1`) and must be 1 or more; a line
    /// column without a number (`DIRECTORY NUMBER`, BAT's custom file format) is line 1.
    package init?(headerName: String) {
        let name = BATHeader.fold(headerName)
        if let column = Self.deviceColumns[name] {
            self = column
            return
        }
        if let column = Self.lineColumn(stem: name, line: 1) {
            self = column
            return
        }
        // Split "DIRECTORY NUMBER 12" into its name and its trailing line number.
        guard let split = BATHeader.splitIndex(name) else { return nil }
        if split.stem == "USER ID" && split.index == 1 {
            self = .userID
            return
        }
        guard let column = Self.lineColumn(stem: split.stem, line: split.index) else { return nil }
        self = column
    }

    private static func lineColumn(stem: String, line: Int) -> BATColumn? {
        switch stem {
        case "DIRECTORY NUMBER", "DN": .directoryNumber(line)
        case "DISPLAY": .display(line)
        case "LINE TEXT LABEL": .lineTextLabel(line)
        case "PARTITION", "ROUTE PARTITION": .partition(line)
        case "MAXIMUM NUMBER OF CALLS": .maxNumCalls(line)
        case "BUSY TRIGGER": .busyTrigger(line)
        case "EXTERNAL PHONE NUMBER MASK": .externalPhoneNumberMask(line)
        case "ASCII DISPLAY": .asciiDisplay(line)
        case "ASCII LINE TEXT LABEL": .asciiLineTextLabel(line)
        case "RING SETTING (PHONE IDLE)": .ringSettingIdle(line)
        case "RING SETTING (PHONE ACTIVE)": .ringSettingActive(line)
        default: nil
        }
    }

    private static let deviceColumns: [String: BATColumn] = [
        "MAC ADDRESS": .macAddress, "MAC": .macAddress,
        "DEVICE NAME": .deviceName,
        "DESCRIPTION": .description,
        "DEVICE TYPE": .deviceType, "MODEL": .deviceType, "PHONE TYPE": .deviceType,
        "DEVICE POOL": .devicePool,
        "OWNER USER ID": .ownerUserID,
        "USER ID": .userID,
        "MRA SERVICE DOMAIN": .mraServiceDomain,
        "LOCATION": .location,
        "CSS": .css,
    ]

    /// Every name mrabat recognises, canonical (line columns as line 1), for "did you mean" hints.
    package static let recognisedNames: [String] =
        ["MAC ADDRESS", "DEVICE NAME", "DESCRIPTION", "DEVICE TYPE", "DEVICE POOL", "OWNER USER ID", "USER ID"]
        + ["MRA SERVICE DOMAIN", "LOCATION", "CSS"] + lineColumns(1).map(\.name)
}
