/// What a workbook may hold before it is refused: ZIP bombs, and sizes no phone sheet comes near.
///
/// Every part is inflated as a stream, so memory does not grow with these; they bound the time a
/// hostile file can take and the one table kept in memory (an `.xlsx`'s shared strings).
package struct WorkbookLimits: Sendable {
    /// Uncompressed bytes of one part (a sheet's XML, the shared strings, `content.xml`). A sheet of
    /// Excel's 1,048,576 rows of BAT columns is some 600 MB.
    package var maxPartBytes: UInt64 = 2 << 30
    /// Uncompressed bytes per compressed byte of a part larger than ``ratioFloor``. Sheet XML
    /// compresses 10–60 times; a ZIP bomb's deflate streams 1,000 times.
    package var maxRatio: UInt64 = 250
    /// Parts up to this size are not held to ``maxRatio``: small XML compresses a lot, and harmlessly.
    package var ratioFloor: UInt64 = 1 << 20
    /// Entries of the shared strings table (Excel keeps each distinct text once).
    package var maxSharedStrings = 1 << 22
    /// UTF-8 bytes of all shared strings together: the one thing read into memory.
    package var maxSharedStringBytes = 256 << 20
    /// Rows of a sheet: Excel's limit (LibreOffice's default too) times 16, for LibreOffice's large sheets.
    package var maxRows = 1 << 24
    /// Columns of a sheet: Excel's XFD, the CSV reader's field limit.
    package var maxColumns = 1 << 14
    /// Merged ranges of a sheet (kept in memory while the sheet is read).
    package var maxMergedRanges = 1 << 20

    package init() {}
}
