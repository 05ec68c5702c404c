/// The header line of a BAT CSV, matched to ``BATColumn``s.
///
/// Names match case-insensitively with runs of white space (NBSP included) folded and trimmed, so
/// `directory  number 1` is `DIRECTORY NUMBER 1`; ``BATColumn/init(headerName:)`` lists the aliases.
/// BAT columns mrabat does not use (``KnownBATColumns``: forwards, speed dials, MLPP, … of an
/// All-Details export) are kept in ``acknowledged`` for one summary line; other names in ``unknown``
/// for a warning each. Trailing empty names (a spreadsheet's
/// trailing delimiter) are ignored silently. `LINE` and `REASON`, which mrabat adds to its own
/// `rejects.csv`, are in ``ignoredIndices`` so a rejects file can be fed back as it is.
package struct BATHeader: Sendable {
    /// The column of each field index; nil for unknown, ignored and empty names.
    package let columns: [BATColumn?]
    /// Fields whose names are not recognised, with their index and name as written.
    package let unknown: [(index: Int, name: String)]
    /// Fields that are BAT columns mrabat does not use, with their index and name as written.
    package let acknowledged: [(index: Int, name: String)]
    /// Indices of the `LINE` and `REASON` columns of a rejects file.
    package let ignoredIndices: [Int]
    /// The highest line number among the per-line columns; 0 if there are none.
    package let maxLine: Int
    private let indices: [BATColumn: Int]

    /// The columns a phone sheet cannot do without.
    package static let defaultRequired: Set<BATColumn> = [.deviceType, .devicePool]

    /// Matches a header record.
    ///
    /// - Parameters:
    ///   - fields: the header record's fields.
    ///   - file: the file as the user named it; `line`: the header's physical line; both for errors.
    ///   - mapping: a legacy sheet's own column names to BAT column names (`"Phone Model": "DEVICE TYPE"`),
    ///     both folded like header names; a mapped name takes the place of the one in the file.
    ///   - required: the columns that must be present.
    /// - Throws: ``MRABatError`` `.csvStructure` for an empty header, a column given twice (naming both
    ///   fields; the location's column is the field number of the second), or missing required columns;
    ///   `.usage` for a `mapping` target that is no BAT column.
    package init(
        fields: [String], file: String, line: Int, mapping: [String: String] = [:],
        required: Set<BATColumn> = BATHeader.defaultRequired
    ) throws {
        var foldedMapping: [String: String] = [:]
        for (from, to) in mapping {
            guard BATColumn(headerName: to) != nil else {
                throw MRABatError(.usage, "mapping target \"\(to)\" (for \"\(from)\") is not a BAT column", value: to)
            }
            foldedMapping[Self.fold(from)] = to
        }

        // Excel writes a trailing delimiter (or several) after the last named column.
        var count = fields.count
        while count > 0 && Self.fold(fields[count - 1]).isEmpty { count -= 1 }
        guard count > 0 else {
            throw MRABatError(.csvStructure, "the header line is empty", at: SourceLocation(file: file, line: line))
        }

        var columns: [BATColumn?] = Array(repeating: nil, count: fields.count)
        var unknown: [(index: Int, name: String)] = []
        var acknowledged: [(index: Int, name: String)] = []
        var ignored: [Int] = []
        var indices: [BATColumn: Int] = [:]
        for index in 0..<count {
            let name = fields[index]
            let folded = Self.fold(name)
            let target = foldedMapping[folded] ?? name
            guard let column = BATColumn(headerName: target) else {
                if folded == "LINE" || folded == "REASON" {
                    ignored.append(index)
                } else if KnownBATColumns.contains(target) {
                    acknowledged.append((index, name))
                } else {
                    unknown.append((index, name))
                }
                continue
            }
            if let first = indices[column] {
                throw MRABatError(
                    .csvStructure,
                    "column \(column.name) is given twice: \"\(fields[first])\" (column \(first + 1)) and "
                        + "\"\(name)\" (column \(index + 1))",
                    at: SourceLocation(file: file, line: line, column: index + 1), value: name)
            }
            indices[column] = index
            columns[index] = column
        }

        let missing = required.filter { indices[$0] == nil }.map(\.name).sorted()
        if !missing.isEmpty {
            let list = missing.joined(separator: ", ")
            throw MRABatError(
                .csvStructure, "the header lacks the required column\(missing.count > 1 ? "s" : "") \(list)",
                at: SourceLocation(file: file, line: line), value: list)
        }

        self.columns = columns
        self.unknown = unknown
        self.acknowledged = acknowledged
        self.ignoredIndices = ignored
        self.indices = indices
        self.maxLine = indices.keys.compactMap(\.lineNumber).max() ?? 0
    }

    /// The field index of `column`, or nil if the file lacks it.
    package func index(of column: BATColumn) -> Int? {
        indices[column]
    }

    /// A folded name split into its stem and trailing number (`DIRECTORY NUMBER 12` → `DIRECTORY NUMBER`,
    /// 12; also without the space: `DISPLAY1`); nil without a number of 1–4 digits, or for number 0.
    package static func splitIndex(_ folded: String) -> (stem: String, index: Int)? {
        let digits = folded.reversed().prefix(while: { $0.isASCII && $0.isNumber }).count
        guard digits > 0, digits <= 4, digits < folded.count, let index = Int(folded.suffix(digits)), index >= 1
        else { return nil }
        var stem = String(folded.dropLast(digits))
        while stem.last == " " { stem.removeLast() }
        return (stem, index)
    }

    /// The recognised or known BAT column closest to an unknown `name`, keeping its number
    /// (`DIRECTORY NUMBR 2` → `DIRECTORY NUMBER 2`); nil when nothing is close.
    package static func suggestion(for name: String) -> String? {
        let folded = fold(name)
        if let split = splitIndex(folded) {
            let stems = BATColumn.lineColumns(1).map { String($0.name.dropLast(2)) } + KnownBATColumns.indexedStems
            if let stem = DidYouMean.suggestion(for: split.stem, among: stems) { return "\(stem) \(split.index)" }
        }
        return DidYouMean.suggestion(for: folded, among: BATColumn.recognisedNames + KnownBATColumns.deviceNames)
    }

    /// Folds a header name for matching: uppercased, runs of white space (NBSP, and a stray BOM)
    /// made one space, ends trimmed.
    package static func fold(_ name: String) -> String {
        var result = ""
        var pendingSpace = false
        for character in name {
            if character.isWhitespace || character == "\u{FEFF}" {
                pendingSpace = !result.isEmpty
            } else {
                if pendingSpace { result.append(" ") }
                pendingSpace = false
                result.append(character)
            }
        }
        return result.uppercased()
    }
}
