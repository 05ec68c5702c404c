/// Writes `rejects.csv`: rejected rows exactly as read, plus `LINE` and `REASON`, ready to fix and resubmit.
///
/// Streams into a temp file; ``commit()`` renames it into place, so an aborted run never leaves a
/// half-written or misleading rejects file. Fed back to `insert`, its `LINE` and `REASON`
/// columns are ignored, and this writer replaces them rather than adding a second pair.
package final class RejectsWriter {
    private let writer: AtomicFileWriter
    private let delimiter: UInt8
    /// Input fields that are copied: all but an earlier run's `LINE` and `REASON`.
    private let keptIndices: [Int]
    private let headerWidth: Int

    package init(path: String, headerFields: [String], delimiter: UInt8) throws {
        writer = try AtomicFileWriter(path: path)
        self.delimiter = delimiter
        headerWidth = headerFields.count
        keptIndices = headerFields.indices.filter {
            !["LINE", "REASON"].contains(BATHeader.fold(headerFields[$0]).uppercased())
        }
        try writer.write(
            CSVText.record(keptIndices.map { headerFields[$0] } + ["LINE", "REASON"], delimiter: delimiter))
    }

    package func write(_ rejections: [RowRejection]) throws {
        for rejection in rejections {
            var fields = keptIndices.map { $0 < rejection.fields.count ? rejection.fields[$0] : "" }
            // Fields beyond the header (a row too long) are kept so nothing the user wrote is lost.
            if rejection.fields.count > headerWidth {
                fields += rejection.fields[headerWidth...]
            }
            try writer.write(CSVText.record(fields + [String(rejection.line), rejection.reason], delimiter: delimiter))
        }
    }

    package func commit() throws {
        try writer.commit(durable: false)
    }
}
