/// A legacy sheet's own column names mapped onto BAT columns (`--map FILE`), so a migration does
/// not need the sheet rewritten.
///
/// The file is a YAML mapping, one line per column: `Phone Model: DEVICE TYPE`. Names on the left
/// match like header names (case and white space folded); every target must be a BAT column.
package enum ColumnMapping {
    package static func load(path: String) throws -> [String: String] {
        let root = try YAMLFile(path: path).root
        var mapping: [String: String] = [:]
        for (key, value) in root.mapping {
            guard let from = key.string, let to = value.scalar?.string, !from.isEmpty, !to.isEmpty else {
                throw MRABatError(
                    .config, "expected lines of the form \"Sheet column: BAT COLUMN\"",
                    at: SourceLocation(file: path, line: key.mark?.line, column: key.mark?.column))
            }
            guard BATColumn(headerName: to) != nil else {
                let known = [
                    "MAC ADDRESS", "DESCRIPTION", "DEVICE TYPE", "DEVICE POOL", "OWNER USER ID", "MRA SERVICE DOMAIN",
                    "LOCATION", "CSS", "DIRECTORY NUMBER 1", "DISPLAY 1", "LINE TEXT LABEL 1", "PARTITION 1",
                ]
                throw MRABatError(
                    .config, "\"\(from)\": \"\(to)\" is not a BAT column\(DidYouMean.hint(for: to, among: known))",
                    at: SourceLocation(file: path, line: value.mark?.line, column: value.mark?.column), value: to)
            }
            mapping[from] = to
        }
        return mapping
    }
}
