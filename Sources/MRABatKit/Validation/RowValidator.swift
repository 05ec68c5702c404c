/// Merges one BAT CSV row with the template and checks it against the cluster.
///
/// Checks that need no other row and no store: field count, model supported and catalogued,
/// device pool and service domain exist, MAC well-formed and a unicast address, line count within
/// model capacity and template, DN syntax, field lengths and characters (``FieldText``: what every
/// output can carry), the template and cluster values the row's config file would carry, activation
/// flags. Cross-row and store checks (duplicate MAC, MAC already provisioned) are the job's. Every
/// problem of a row is reported, not just the first, each with its ``RowProblem/Tag``.
///
/// A class, not a struct: `validate` runs per row and its local functions capture `self`, and a
/// struct of this size (the cluster, the template, lookup tables) was copied and destroyed for every
/// row — a sixth of row validation's time.
package final class RowValidator: Sendable {
    package let cluster: ClusterConfig
    package let template: PhoneTemplate
    package let header: BATHeader
    /// The header fields as written, to name columns in reasons.
    package let headerNames: [String]

    /// The header's width without trailing empty names (Excel's trailing delimiter).
    let width: Int
    /// Field index of each column, looked up by a switch instead of hashing (this runs per cell).
    let table: ColumnTable

    package init(cluster: ClusterConfig, template: PhoneTemplate, header: BATHeader, headerNames: [String]) {
        self.cluster = cluster
        self.template = template
        self.header = header
        self.headerNames = headerNames
        width = headerNames.lastIndex(where: { !BATHeader.fold($0).isEmpty }).map { $0 + 1 } ?? 0
        table = ColumnTable(header)
        func byName<T>(_ items: [T], _ name: (T) -> String) -> [String: T] {
            Dictionary(items.map { (name($0).lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
        }
        pools = byName(cluster.devicePools, \.name)
        domains = byName(cluster.serviceDomains, \.name)
        models = Dictionary(cluster.models.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let configuration = ConfigurationProblems(cluster: cluster, template: template)
        everyRow = configuration.everyRow
        poolProblems = configuration.pools
        modelProblems = configuration.models
        domainProblems = configuration.domains
    }

    /// The cluster's names, for lookups per row (pool and domain names match case-insensitively).
    let pools: [String: DevicePool]
    let domains: [String: ServiceDomain]
    let models: [String: PhoneModel]

    /// Template and cluster values a config file cannot carry (see ``ConfigurationProblems``),
    /// found once: for every row, and per device pool, model and service domain (lowercased names).
    let everyRow: [RowProblem]
    let poolProblems: [String: RowProblem]
    let modelProblems: [String: RowProblem]
    let domainProblems: [String: RowProblem]

    struct ColumnTable: Sendable {
        var fixed: [Int?]
        /// Per line number (index 0 unused), the field index of each of ``BATColumn/lineColumns(_:)``.
        var lines: [[Int?]]

        static let fixedColumns: [BATColumn] = [
            .macAddress, .deviceName, .description, .deviceType, .devicePool, .ownerUserID, .userID,
            .mraServiceDomain, .location, .css,
        ]

        init(_ header: BATHeader) {
            fixed = Self.fixedColumns.map { header.index(of: $0) }
            lines = (0...max(header.maxLine, 1)).map { n in
                n == 0 ? [] : BATColumn.lineColumns(n).map { header.index(of: $0) }
            }
        }

        func index(_ column: BATColumn) -> Int? {
            func line(_ n: Int, _ slot: Int) -> Int? { n < lines.count ? lines[n][slot] : nil }
            switch column {
            case .macAddress: return fixed[0]
            case .deviceName: return fixed[1]
            case .description: return fixed[2]
            case .deviceType: return fixed[3]
            case .devicePool: return fixed[4]
            case .ownerUserID: return fixed[5]
            case .userID: return fixed[6]
            case .mraServiceDomain: return fixed[7]
            case .location: return fixed[8]
            case .css: return fixed[9]
            case .directoryNumber(let n): return line(n, 0)
            case .display(let n): return line(n, 1)
            case .lineTextLabel(let n): return line(n, 2)
            case .partition(let n): return line(n, 3)
            case .maxNumCalls(let n): return line(n, 4)
            case .busyTrigger(let n): return line(n, 5)
            case .externalPhoneNumberMask(let n): return line(n, 6)
            case .asciiDisplay(let n): return line(n, 7)
            case .asciiLineTextLabel(let n): return line(n, 8)
            case .ringSettingIdle(let n): return line(n, 9)
            case .ringSettingActive(let n): return line(n, 10)
            }
        }
    }

    /// Field limits, from CUCM's data dictionary, in Unicode scalars (``FieldText/length(_:)``, as
    /// `Templates/device-config.xsd` counts them).
    enum Limit {
        static let description = 128
        static let ownerUserID = 128
        static let directoryNumber = 24
        static let display = 30
        static let label = 30
        static let name = 50
        /// Unified CM's ceiling for `MAXIMUM NUMBER OF CALLS` on a line.
        static let maxNumCalls = 200
        /// `EXTERNAL PHONE NUMBER MASK`, as `DIRECTORY NUMBER`.
        static let externalPhoneNumberMask = 24
    }

    /// The merged device, or every reason the row cannot be one.
    ///
    /// - Parameter numberFields: indices of fields a workbook stores as numbers (see ``CSVRecord/numberFields``).
    package func validate(fields: [String], line: Int, numberFields: [Int] = []) -> Result<DeviceDraft, RowRejection> {
        var problems: [RowProblem] = []
        func reject() -> Result<DeviceDraft, RowRejection> {
            .failure(RowRejection(line: line, fields: fields, problems: problems))
        }
        // A short or long row means shifted columns; nothing in it can be trusted. Trailing empty
        // header fields (Excel's trailing delimiter) do not count; trailing empty row fields neither.
        let used = fields.lastIndex(where: { !$0.isEmpty }).map { $0 + 1 } ?? 0
        if fields.count < width || used > max(width, headerNames.count) {
            problems.append(
                RowProblem(
                    tag: .fieldCount, column: nil, columnName: nil, value: nil,
                    reason: "row has \(fields.count < width ? fields.count : used) fields but the header has "
                        + "\(width); a missing or extra delimiter shifts every column after it"))
            return reject()
        }

        var warnings: [RowProblem] = []
        func cell(_ column: BATColumn) -> (index: Int, value: String)? {
            guard let index = table.index(column), index < fields.count else { return nil }
            // Stray white space around a value is trimmed, never an error.
            let value = SpreadsheetDamage.trim(fields[index])
            guard !value.isEmpty else { return nil }
            if let damage = SpreadsheetDamage.inspect(value, column: column) {
                let found = RowProblem(
                    tag: damage.tag, column: index + 1, columnName: headerNames[index],
                    value: FieldText.visible(value), reason: damage.reason)
                if damage.isFatal { problems.append(found) } else { warnings.append(found) }
            }
            return (index, value)
        }
        func problem(_ tag: RowProblem.Tag, _ column: BATColumn, _ value: String?, _ reason: String) {
            problems.append(self.problem(tag, column, value, reason))
        }
        /// A free-text value: at most `max` scalars, and only characters every output carries.
        func checkText(_ column: BATColumn, _ value: String?, max: Int, tooLong: RowProblem.Tag) {
            guard let value else { return }
            let length = FieldText.length(value)
            if length > max {
                // Say how it is counted when that is not what the screen shows (combining accents).
                let counted = length == value.count ? "" : " (Unicode code points, as the config file's schema counts)"
                problem(tooLong, column, value, "is \(length) characters long\(counted); at most \(max) are allowed")
            }
            if let flaw = FieldText.flaw(in: value) {
                problem(flaw.tag, column, value, flaw.reason)
            }
        }

        // MAC
        var mac: MACAddress?
        var macGiven = false
        if let index = table.index(.macAddress), numberFields.contains(index), index < fields.count,
            case let value = SpreadsheetDamage.trim(fields[index]), !value.isEmpty,
            !(value.utf8.count == 12 && value.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 })
        {
            // A number cell: 12 digits are a MAC (all decimal digits are hex digits); anything else
            // is what a number did to it, and guessing the zeros back would be guessing the phone.
            macGiven = true
            let digits = value.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
            problem(
                .macStoredAsNumber, .macAddress, value,
                "is stored as a number, not text"
                    + (digits
                        ? ", and has \(value.utf8.count) digits, not 12: its leading zeros are lost"
                        : ", which is no MAC")
                    + "; format the column as text and enter the MAC again")
        } else if let (_, value) = cell(.macAddress) {
            macGiven = true
            mac = MACAddress(parsing: value)
            if let found = mac, let reserved = found.reserved {
                problem(reserved.tag, .macAddress, value, reserved.reason(found))
            } else if mac == nil
                && !problems.contains(where: { $0.column == table.index(.macAddress).map { $0 + 1 } })
            {
                problem(
                    .macInvalid, .macAddress, value,
                    "is not a MAC address; write 12 hex digits (001A2B3C4D5E, 00:1A:2B:3C:4D:5E, 00-1A-2B-3C-4D-5E "
                        + "or 001a.2b3c.4d5e), or leave it empty for a BAT dummy name")
            }
        }

        // DEVICE NAME: SEP<MAC> gives the MAC (and must agree with MAC ADDRESS); a BAT… name is kept.
        var requestedName: String?
        if let (_, value) = cell(.deviceName) {
            let named = Self.deviceName(value)
            switch named {
            case .sep(let fromName):
                if let reserved = fromName.reserved {
                    problem(reserved.tag, .deviceName, value, reserved.reason(fromName))
                } else if let mac, mac != fromName {
                    problem(
                        .deviceNameMACMismatch, .deviceName, value,
                        "names MAC \(fromName.hex) but MAC ADDRESS is \(mac.hex); a phone's name is SEP and its MAC")
                } else if mac == nil && macGiven {
                    // MAC ADDRESS is set but unreadable: its own problem says so; nothing to compare.
                } else {
                    mac = fromName
                    requestedName = fromName.deviceName
                }
            case .bat(let name):
                if let mac {
                    problem(
                        .deviceNameMACMismatch, .deviceName, value,
                        "is a BAT dummy name but MAC ADDRESS is \(mac.hex); a phone with a known MAC is \(mac.deviceName)"
                    )
                } else {
                    requestedName = name
                }
            case .invalid(let reason):
                problem(.deviceNameInvalid, .deviceName, value, reason)
            }
        }

        // Model
        var model: PhoneModel?
        let modelText = cell(.deviceType)?.value ?? template.model
        if let modelText {
            if let canonical = SupportedModels.canonical(modelText) {
                model = models[canonical]
                if model == nil {
                    problem(
                        .deviceTypeNotInCatalogue, .deviceType, modelText,
                        "is not in cluster \(cluster.name)'s model catalogue; add it to the cluster configuration")
                }
            } else {
                problem(
                    .deviceTypeUnsupported, .deviceType, modelText,
                    "does not support activation-code onboarding over MRA"
                        + DidYouMean.hint(for: modelText, among: SupportedModels.names))
            }
        } else {
            problem(.deviceTypeMissing, .deviceType, nil, "is empty and the template names no model")
        }

        // Device pool
        var pool: DevicePool?
        if let poolName = cell(.devicePool)?.value ?? template.devicePool {
            pool = pools[poolName.lowercased()]
            if pool == nil {
                problem(
                    .devicePoolUnknown, .devicePool, poolName,
                    "does not exist in cluster \(cluster.name)"
                        + DidYouMean.hint(for: poolName, among: cluster.devicePools.map(\.name)))
            }
        } else {
            problem(.devicePoolMissing, .devicePool, nil, "is empty and the template names no device pool")
        }

        // Service domain: the row's, else the template's; the pool's is applied when resolving.
        var serviceDomain: String?
        if let domainName = cell(.mraServiceDomain)?.value ?? template.mraServiceDomain {
            if let domain = domains[domainName.lowercased()] {
                serviceDomain = domain.name
            } else {
                problem(
                    .serviceDomainUnknown, .mraServiceDomain, domainName,
                    "does not exist in cluster \(cluster.name)"
                        + DidYouMean.hint(for: domainName, among: cluster.serviceDomains.map(\.name)))
            }
        }

        // Owner: OWNER USER ID, else the associated user (USER ID), the only user column of BAT's
        // default file format. The two stay separate fields.
        let rowOwner = cell(.ownerUserID)?.value
        let userID = cell(.userID)?.value
        let owner = rowOwner ?? userID
        if owner == nil {
            problem(
                .ownerMissing, .ownerUserID, nil,
                "is required: an activation code is issued to a user (OWNER USER ID, or else USER ID)")
        }
        checkText(.ownerUserID, rowOwner, max: Limit.ownerUserID, tooLong: .ownerTooLong)
        checkText(.userID, userID, max: Limit.ownerUserID, tooLong: .userIDTooLong)
        let description = cell(.description)?.value
        checkText(.description, description, max: Limit.description, tooLong: .descriptionTooLong)
        let rowLocation = cell(.location)?.value
        checkText(.location, rowLocation, max: Limit.name, tooLong: .locationTooLong)
        let location = rowLocation ?? template.location
        let rowCSS = cell(.css)?.value
        checkText(.css, rowCSS, max: Limit.name, tooLong: .cssTooLong)
        let css = rowCSS ?? template.css

        // Lines: each line n with a DN, as numbered in the file; gaps (1 and 3, 2 empty) are kept.
        var lines: [LineDraft] = []
        for index in 1...max(header.maxLine, 1) {
            let dn = cell(.directoryNumber(index))
            // Line n's other columns, in ``BATColumn/lineColumns(_:)`` order: display, label, partition,
            // then the extras.
            let columns = BATColumn.lineColumns(index).dropFirst()
            let values = columns.map { cell($0)?.value }
            guard let dn else {
                for case (let column, let value?) in zip(columns, values) {
                    problem(
                        .lineFieldWithoutNumber, column, value, "is set but DIRECTORY NUMBER \(index) is empty")
                }
                continue
            }
            if !Self.isDirectoryNumber(dn.value) && !problems.contains(where: { $0.column == dn.index + 1 }) {
                problem(
                    .directoryNumberInvalid, .directoryNumber(index), dn.value,
                    "is not a directory number: 1–\(Limit.directoryNumber) of 0-9 + * # \\ X")
            }
            let display = values[0]
            let label = values[1]
            let partition = values[2]
            checkText(.display(index), display, max: Limit.display, tooLong: .displayTooLong)
            checkText(.lineTextLabel(index), label, max: Limit.label, tooLong: .labelTooLong)
            checkText(.partition(index), partition, max: Limit.name, tooLong: .partitionTooLong)
            // Most files have none of the extra columns: then there is nothing to check or keep.
            let extra =
                values.dropFirst(3).allSatisfy { $0 == nil }
                ? LineExtras()
                : lineExtras(
                    index, Dictionary(zip(columns, values), uniquingKeysWith: { first, _ in first }),
                    report: { problems.append($0) })
            let defaults = index <= template.lines.count ? template.lines[index - 1] : LineTemplate()
            lines.append(
                LineDraft(
                    index: index, directoryNumber: dn.value, display: display ?? defaults.display,
                    label: label ?? defaults.label, partition: partition ?? defaults.partition,
                    maxNumCalls: extra.maxNumCalls, busyTrigger: extra.busyTrigger,
                    externalPhoneNumberMask: extra.mask, asciiDisplay: extra.asciiDisplay, asciiLabel: extra.asciiLabel,
                    ringSettingIdle: extra.ringIdle, ringSettingActive: extra.ringActive))
        }
        if lines.isEmpty {
            problem(.linesNone, .directoryNumber(1), nil, "is required: a phone needs at least one line")
        }
        // A line's number is its button: the highest one must exist on the template and the model.
        let highest = lines.last?.index ?? 0
        if highest > template.lines.count {
            problem(
                .linesOverTemplate, .directoryNumber(highest), lines.last?.directoryNumber,
                "row sets line \(highest) but template \"\(template.name)\" has \(template.lines.count) line"
                    + (template.lines.count == 1 ? "" : "s"))
        }
        if let model {
            let capacity = model.capacity(enhancedLineMode: template.enhancedLineMode)
            if highest > capacity {
                let enhanced = template.enhancedLineMode ? nil : model.enhancedLines
                problem(
                    .linesOverModelCapacity, .directoryNumber(highest), lines.last?.directoryNumber,
                    "row sets line \(highest) but a \(model.name) has \(capacity) line\(capacity == 1 ? "" : "s")"
                        + (enhanced.map { " (\($0) in enhanced line mode)" } ?? ""))
            }
            if !modelProblems.isEmpty, let found = modelProblems[model.name] { problems.append(found) }
        }
        // What the config file takes from the cluster: the pool's group and nodes, the effective
        // service domain (the row's or template's, else the pool's, else the default).
        // Nearly always there are none, and no lookup is made.
        if let pool, !poolProblems.isEmpty, let found = poolProblems[pool.name.lowercased()] {
            problems.append(found)
        }
        if let pool, !domainProblems.isEmpty {
            let effective = cluster.effectiveServiceDomain(device: serviceDomain, pool: pool.name)
            if let found = domainProblems[effective.name.lowercased()] { problems.append(found) }
        }
        problems += everyRow
        if !template.requiresActivationCodeOnboarding || !template.allowActivationCodeViaMRA {
            problems.append(
                RowProblem(
                    tag: .activationFlags, column: nil, columnName: nil, value: nil,
                    reason:
                        "template \"\(template.name)\" must set both requiresActivationCodeOnboarding and allowActivationCodeViaMRA"
                ))
        }

        guard problems.isEmpty, let model, let pool, let owner else { return reject() }
        return .success(
            DeviceDraft(
                sourceLine: line, mac: mac, requestedName: requestedName,
                attributes: DeviceAttributes(
                    model: model.name, devicePool: pool.name, serviceDomain: serviceDomain, ownerUserID: owner,
                    description: description, location: location, css: css, deviceProtocol: template.deviceProtocol,
                    phoneButtonTemplate: template.phoneButtonTemplate ?? model.phoneButtonTemplate,
                    softkeyTemplate: template.softkeyTemplate, securityProfile: template.securityProfile,
                    sipProfile: template.sipProfile, userLocale: template.userLocale,
                    requiresActivationCodeOnboarding: template.requiresActivationCodeOnboarding,
                    allowActivationCodeViaMRA: template.allowActivationCodeViaMRA, lines: lines, userID: userID),
                templateName: template.name, warnings: warnings))
    }

    /// A problem located at `column` of this header (named as written, or by its BAT name if absent).
    ///
    /// The value is shown with control characters and noncharacters spelled out (`<U+FFFE>`).
    func problem(_ tag: RowProblem.Tag, _ column: BATColumn, _ value: String?, _ reason: String) -> RowProblem {
        let index = table.index(column)
        return RowProblem(
            tag: tag, column: index.map { $0 + 1 }, columnName: index.map { headerNames[$0] } ?? column.name,
            value: value.map(FieldText.visible), reason: reason)
    }

    /// A problem without a tag; kept for callers not yet passing one.
    @available(*, deprecated, message: "pass the rule's tag: problem(_:_:_:_:)")
    func problem(_ column: BATColumn, _ value: String?, _ reason: String) -> RowProblem {
        problem(.unclassified, column, value, reason)
    }

    /// `draft` repeats the phone of line `first`: same MAC, same requested `DEVICE NAME` (`byName`),
    /// or same owner, model and first line.
    func duplicate(_ draft: DeviceDraft, ofLine first: String, byName: Bool = false) -> RowProblem {
        if let mac = draft.mac {
            // A MAC taken from DEVICE NAME (an All-Details file has no MAC ADDRESS column) is shown there.
            if table.index(.macAddress) == nil, let name = draft.requestedName {
                return problem(.duplicateInFile, .deviceName, name, "is also on line \(first); one MAC is one phone")
            }
            return problem(.duplicateInFile, .macAddress, mac.hex, "is also on line \(first); one MAC is one phone")
        }
        if byName, let name = draft.requestedName {
            return problem(.duplicateInFile, .deviceName, name, "is also on line \(first); one name is one phone")
        }
        return problem(
            .duplicateInFile, .directoryNumber(1), draft.lines.first?.directoryNumber,
            "line \(first) already gives \(draft.ownerUserID) a \(draft.model) on this first line; "
                + "give one of them a MAC ADDRESS or another first line")
    }

    /// `draft` names the device that line `first` names (`DEVICE NAME`).
    func sameName(_ draft: DeviceDraft, ofLine first: String) -> RowProblem {
        problem(
            .duplicateInFile, .deviceName, draft.requestedName,
            "is also on line \(first); one row per device")
    }

    /// 1–24 of `0-9 + * # \ X` (CUCM's DN alphabet; `\+` is an escaped E.164 plus).
    static func isDirectoryNumber(_ text: String) -> Bool {
        let bytes = text.utf8
        guard (1...Limit.directoryNumber).contains(bytes.count) else { return false }
        return bytes.allSatisfy {
            ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "#")
                || $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "X")
        }
    }
}

extension FieldText.Flaw {
    var tag: RowProblem.Tag {
        switch kind {
        case .control: .controlCharacter
        case .noncharacter: .noncharacter
        }
    }

    /// `contains a control character (U+0009, character 5); …`
    var reason: String {
        switch kind {
        case .control:
            "contains a control character (\(name), character \(position)); remove it (a line break or TAB "
                + "inside a name or label is never meant)"
        case .noncharacter:
            "contains \(name) (character \(position)), which an XML 1.0 file cannot carry: the phone's config file "
                + "could not be written; remove it"
        }
    }
}

extension MACAddress.Reserved {
    var tag: RowProblem.Tag {
        switch self {
        case .allZero: .macAllZero
        case .broadcast: .macBroadcast
        case .multicast: .macMulticast
        }
    }

    func reason(_ mac: MACAddress) -> String {
        let advice = "no phone has it; write the MAC on the phone's label, or leave it empty for a BAT dummy name"
        switch self {
        case .allZero:
            return "is the all-zero address 00:00:00:00:00:00, a placeholder: \(advice)"
        case .broadcast:
            return "is the broadcast address FF:FF:FF:FF:FF:FF: \(advice)"
        case .multicast:
            return "is a multicast address (\(mac.colonSeparated): the first octet is odd, so its I/G bit is set): "
                + advice
        }
    }
}
