/// An opened BAT CSV file: its detected encoding and delimiter, its header, and a record stream.
package struct BATInput: ~Copyable {
    package let path: String
    package let encoding: TextEncoding
    package let delimiter: UInt8
    package let header: BATHeader
    package let headerFields: [String]
    package let headerLine: Int
    private var reader: CSVReader

    /// Opens `path`, detects (or takes) its encoding and delimiter, and reads the header.
    ///
    /// - Throws: `.io` (unreadable), `.encoding`, `.csvSyntax`, `.csvStructure` (empty file,
    ///   bad header) — each fatal, with the position.
    package init(
        path: String, encoding: TextEncoding? = nil, delimiter: UInt8? = nil, mapping: [String: String] = [:],
        required: Set<BATColumn> = []
    ) throws {
        self.path = path
        let encoding = try encoding ?? TextEncoding.detect(path: path)
        var reader = try CSVReader(
            source: try FileByteSource(path: path), encoding: encoding, delimiter: delimiter, file: path)
        guard let first = try reader.next() else {
            throw MRABatError(
                .csvStructure, "the file is empty: a BAT CSV file starts with a header line",
                at: SourceLocation(file: path, line: 1))
        }
        header = try BATHeader(fields: first.fields, file: path, line: first.line, mapping: mapping, required: required)
        self.encoding = encoding
        self.delimiter = reader.delimiter
        headerFields = first.fields
        headerLine = first.line
        self.reader = reader
    }

    /// The next data row, skipping blank lines and rows of empty fields (`,,,,`, as Excel exports
    /// an empty row) — a template must not turn those into phones; nil at the end of the file.
    package mutating func next() throws -> CSVRecord? {
        while let record = try reader.next() {
            if !record.isBlank { return record }
        }
        return nil
    }

    /// Up to `count` next data rows; fewer only at the end of the file.
    package mutating func next(count: Int) throws -> [CSVRecord] {
        var records: [CSVRecord] = []
        records.reserveCapacity(count)
        while records.count < count, let record = try next() { records.append(record) }
        return records
    }
}
