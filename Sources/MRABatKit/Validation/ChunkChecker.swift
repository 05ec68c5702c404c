/// The checks a row passes on its own and against the other rows of its file.
///
/// Each row is merged with the template and checked by ``RowValidator``; a valid row is then
/// checked against earlier rows (``BatchDuplicates``). Warnings of accepted rows are collected
/// for the summary.
struct ChunkChecker {
    let validator: RowValidator
    let file: String
    /// A workbook's cells, to name them in warnings; nil for a CSV file (`file:line:column`).
    let cells: CellNamer?
    private var duplicates = BatchDuplicates()

    init(validator: RowValidator, file: String, cells: CellNamer? = nil) {
        self.validator = validator
        self.file = file
        self.cells = cells
    }

    /// A chunk's rows, checked.
    struct Checked: Sendable {
        var drafts: [DeviceDraft] = []
        var rejected: [RowRejection] = []
        /// `file:line:column: text` of each accepted row's warnings, in file order.
        var warnings: [String] = []
    }

    mutating func check(_ records: [CSVRecord]) -> Checked {
        var checked = Checked()
        checked.drafts.reserveCapacity(records.count)
        for record in records {
            switch validator.validate(fields: record.fields, line: record.line, numberFields: record.numberFields) {
            case .failure(let rejection):
                checked.rejected.append(rejection)
            case .success(let draft):
                if let first = duplicates.firstLine(of: draft) {
                    checked.rejected.append(
                        RowRejection(
                            line: record.line, fields: record.fields,
                            problems: [validator.duplicate(draft, ofLine: String(first.line), byName: first.byName)]))
                    continue
                }
                for warning in draft.warnings {
                    if let cells {
                        checked.warnings.append(
                            "\(cells.location(line: draft.sourceLine, column: warning.column)): \(warning)")
                    } else {
                        checked.warnings.append(
                            "\(file):\(draft.sourceLine):\(warning.column.map(String.init) ?? ""): \(warning)")
                    }
                }
                checked.drafts.append(draft)
            }
        }
        return checked
    }

    /// Forgets rows of the chunk before the last one: they are in the job's transaction now.
    mutating func forgetWritten() { duplicates.forgetWritten() }
}
