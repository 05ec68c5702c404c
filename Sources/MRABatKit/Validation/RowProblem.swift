/// One reason a row cannot be provisioned, located at a column of the row.
package struct RowProblem: Sendable, Equatable, CustomStringConvertible {
    /// Which rule the row broke: stable across releases and wording changes, for counting and scripts.
    package var tag: Tag
    /// 1-based field number in the row, nil when the problem is about the row as a whole.
    package var column: Int?
    /// The column's name as written in the header (or the BAT name), nil for row-level problems.
    package var columnName: String?
    package var value: String?
    /// What is wrong and what to do, for a person; may change wording at any time (``tag`` does not).
    package var reason: String
    /// Where the problem is, for an input whose locations are cells (`phones.xlsx[Sheet1]!C812`);
    /// nil for a CSV file, whose rejects name the line.
    package var cell: String?

    package init(tag: Tag, column: Int?, columnName: String?, value: String?, reason: String) {
        self.tag = tag
        self.column = column
        self.columnName = columnName
        self.value = value
        self.reason = reason
    }

    /// A problem without a tag: counted as ``Tag/unclassified``. Every rule should pass its own tag.
    @available(*, deprecated, message: "pass the rule's tag: RowProblem(tag:column:columnName:value:reason:)")
    package init(column: Int?, columnName: String?, value: String?, reason: String) {
        self.init(tag: .unclassified, column: column, columnName: columnName, value: value, reason: reason)
    }

    /// `DEVICE POOL "Dalas": does not exist (did you mean "Dallas"?)`
    package var description: String {
        let at = cell.map { $0 + ": " } ?? ""
        guard let columnName else { return at + reason }
        if let value { return "\(at)\(columnName) \"\(value)\": \(reason)" }
        return "\(at)\(columnName): \(reason)"
    }
}

extension RowProblem {
    /// The rule a row broke, as a stable machine-readable name: `subject.rule`.
    ///
    /// One tag per rule, set where the problem is made; the README's "reason tags" table lists them
    /// all. The subject is the column the rule is about (`mac`, `description`, `directory-number`, …;
    /// per-line columns without their number), or `row`, `lines`, `text`, `template`, `cluster`,
    /// `duplicate` and `device` for rules about the row as a whole, its lines, any text value, the
    /// job's configuration and the store. Rules that apply to every text column the same way
    /// (`text.…`) leave the column to ``RowProblem/columnName``.
    package enum Tag: String, Sendable, CaseIterable, CustomStringConvertible {
        // The row as a whole.
        case fieldCount = "row.field-count"
        case duplicateInFile = "duplicate.in-file"
        case alreadyProvisioned = "device.already-provisioned"
        /// `update --existing-only`, `delete`: the row names no device in the store.
        case deviceUnknown = "device.unknown"
        /// `update`: after the change the device would be the same phone as another one.
        case sameAsOtherDevice = "device.same-as-other"
        case activationFlags = "template.activation-flags"
        case templateValue = "template.invalid-value"
        case clusterValue = "cluster.invalid-value"
        // MAC ADDRESS
        case macInvalid = "mac.invalid"
        case macAllZero = "mac.all-zero"
        case macBroadcast = "mac.broadcast"
        case macMulticast = "mac.multicast"
        case macScientificNotation = "mac.scientific-notation"
        case macLeadingZerosLost = "mac.leading-zeros-lost"
        /// A workbook's MAC cell holds a number with fewer than 12 digits, or not a whole one.
        case macStoredAsNumber = "mac.stored-as-number"
        case macInUse = "mac.in-use"
        /// `update`: a device that has a MAC keeps it.
        case macCannotChange = "mac.cannot-change"
        // DEVICE NAME
        case deviceNameInvalid = "device-name.invalid"
        case deviceNameMissing = "device-name.missing"
        case deviceNameMACMismatch = "device-name.mac-mismatch"
        /// `update`: the name is no device's, and the row matches a device of another `BAT…` name.
        case deviceNameUnknown = "device-name.unknown"
        // DEVICE TYPE, DEVICE POOL, MRA SERVICE DOMAIN, OWNER USER ID
        case deviceTypeMissing = "device-type.missing"
        case deviceTypeUnsupported = "device-type.unsupported"
        case deviceTypeNotInCatalogue = "device-type.not-in-catalogue"
        /// `update`: an activated device is the phone that activated; its model is that phone's.
        case deviceTypeCannotChange = "device-type.cannot-change"
        case devicePoolMissing = "device-pool.missing"
        case devicePoolUnknown = "device-pool.unknown"
        case serviceDomainUnknown = "mra-service-domain.unknown"
        case ownerMissing = "owner-user-id.missing"
        // Lengths (Unicode scalars; see FieldText.length).
        case ownerTooLong = "owner-user-id.too-long"
        case userIDTooLong = "user-id.too-long"
        case descriptionTooLong = "description.too-long"
        case locationTooLong = "location.too-long"
        case cssTooLong = "css.too-long"
        case displayTooLong = "display.too-long"
        case labelTooLong = "line-text-label.too-long"
        case partitionTooLong = "partition.too-long"
        // DIRECTORY NUMBER n
        case directoryNumberInvalid = "directory-number.invalid"
        case directoryNumberScientificNotation = "directory-number.scientific-notation"
        case directoryNumberDecimalPart = "directory-number.decimal-part"
        /// A warning: the row is accepted.
        case directoryNumberMissingPlus = "directory-number.missing-plus"
        // Lines
        case linesNone = "lines.none"
        case lineFieldWithoutNumber = "lines.field-without-number"
        case linesOverTemplate = "lines.over-template"
        case linesOverModelCapacity = "lines.over-model-capacity"
        // Per-line fields of the phone file: MAXIMUM NUMBER OF CALLS n, BUSY TRIGGER n, …
        case maxCallsInvalid = "max-calls.invalid"
        case maxCallsWithoutBusyTrigger = "max-calls.without-busy-trigger"
        case busyTriggerInvalid = "busy-trigger.invalid"
        case busyTriggerOverMaxCalls = "busy-trigger.over-max-calls"
        case busyTriggerWithoutMaxCalls = "busy-trigger.without-max-calls"
        case externalMaskInvalid = "external-phone-number-mask.invalid"
        case asciiDisplayTooLong = "ascii-display.too-long"
        case asciiLabelTooLong = "ascii-line-text-label.too-long"
        case ringSettingInvalid = "ring-setting.invalid"
        // Any text column
        case controlCharacter = "text.control-character"
        case noncharacter = "text.noncharacter"
        case invisibleSpace = "text.invisible-space"
        case typographicQuote = "text.typographic-quote"
        case notASCII = "text.not-ascii"
        /// A problem made without a tag (``RowProblem/init(column:columnName:value:reason:)``).
        case unclassified

        package var description: String { rawValue }
    }
}

/// A rejected row: where it is and every reason it was rejected.
package struct RowRejection: Error, Sendable, Equatable {
    package var line: Int
    package var fields: [String]
    package var problems: [RowProblem]

    package init(line: Int, fields: [String], problems: [RowProblem]) {
        self.line = line
        self.fields = fields
        self.problems = problems
    }

    /// All reasons joined, as written to `rejects.csv`'s `REASON` column.
    package var reason: String { problems.map(\.description).joined(separator: "; ") }

    /// The first problem's tag: what the job summary counts the rejection under.
    package var tag: RowProblem.Tag { problems.first?.tag ?? .unclassified }
}
