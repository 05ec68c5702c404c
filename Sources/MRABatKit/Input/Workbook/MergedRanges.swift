import Glibc

/// A sheet's merged cell ranges: only the top-left cell of each keeps its value, the others read
/// as empty (what Excel shows, and what a row means: the value is not the other cells').
struct MergedRanges {
    struct Range {
        var firstColumn: Int, firstRow: Int, lastColumn: Int, lastRow: Int
    }

    /// Ranges by their first row, each row's ranges in the order found.
    private var byFirstRow: [Int: [Range]] = [:]
    /// Ranges covering the row being asked about and later rows (kept while rows ascend).
    private var open: [Range] = []
    private var nextRow = 0
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    mutating func add(_ range: Range) {
        byFirstRow[range.firstRow, default: []].append(range)
        count += 1
    }

    /// The merged ranges that hide cells of `row` (those that cover it, other than their top-left).
    /// Rows are asked for in ascending order.
    mutating func hidden(inRow row: Int) -> [Range] {
        guard !isEmpty else { return [] }
        if row < nextRow {
            // Rows out of order (allowed in ODF's repeated rows, never written by Excel): look again.
            open = byFirstRow.values.flatMap { $0 }.filter { $0.firstRow <= row && $0.lastRow >= row }
        } else {
            for first in nextRow...row {
                if let starting = byFirstRow[first] { open += starting }
            }
            open.removeAll { $0.lastRow < row }
        }
        nextRow = row + 1
        return open
    }

    /// Whether `column` of `row` is hidden under a merged range: covered by one, and not its top-left.
    static func isHidden(column: Int, row: Int, in ranges: [Range]) -> Bool {
        ranges.contains {
            column >= $0.firstColumn && column <= $0.lastColumn && row >= $0.firstRow && row <= $0.lastRow
                && !(column == $0.firstColumn && row == $0.firstRow)
        }
    }

    /// Finds the `<mergeCell ref="A1:C2"/>` elements of an `.xlsx` sheet. They follow the sheet's rows
    /// in the XML, so they are looked for first, in one pass over the inflated bytes that keeps
    /// nothing but the tag being read (the sheet is not parsed twice).
    static func scanXLSX(_ source: some ByteSource, limit: Int, file: String, part: String) throws -> MergedRanges {
        var source = source
        var ranges = MergedRanges()
        let needle = Array("mergeCell".utf8)
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        // The tail of the previous chunk that could start a match, and a tag being collected.
        var carry: [UInt8] = []
        var tag: [UInt8]?
        while true {
            let count = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
            if count == 0 { break }
            var bytes = carry
            bytes += buffer[..<count]
            carry = []
            var index = 0
            if var open = tag {
                // A tag cut by the previous chunk: its rest up to `>`.
                while index < bytes.count && bytes[index] != UInt8(ascii: ">") {
                    open.append(bytes[index])
                    index += 1
                }
                if index == bytes.count {
                    tag = open.count < 4096 ? open : nil
                    continue
                }
                tag = nil
                try ranges.addTag(open, limit: limit, file: file, part: part)
            }
            while index < bytes.count {
                guard let found = find(needle, in: bytes, from: index) else {
                    // Keep what could be the start of a match cut by the chunk's end.
                    carry = Array(bytes[max(index, bytes.count - needle.count - 1)...])
                    break
                }
                let after = found + needle.count
                guard after < bytes.count else {
                    carry = Array(bytes[max(found - 1, 0)...])
                    break
                }
                // `<mergeCell` or `<x:mergeCell`, followed by white space or `/` (not `mergeCells`).
                let before = found > 0 ? bytes[found - 1] : 0
                let next = bytes[after]
                guard before == UInt8(ascii: "<") || before == UInt8(ascii: ":"),
                    next == 0x20 || next == 0x09 || next == 0x0A || next == 0x0D || next == UInt8(ascii: "/")
                else {
                    index = after
                    continue
                }
                var end = after
                while end < bytes.count && bytes[end] != UInt8(ascii: ">") { end += 1 }
                if end == bytes.count {
                    tag = Array(bytes[after...])
                    break
                }
                try ranges.addTag(Array(bytes[after..<end]), limit: limit, file: file, part: part)
                index = end + 1
            }
        }
        return ranges
    }

    private static func find(_ needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard bytes.count - start >= needle.count else { return nil }
        return bytes.withUnsafeBytes { haystack -> Int? in
            guard let base = haystack.baseAddress else { return nil }
            var index = start
            let last = bytes.count - needle.count
            while index <= last {
                // memchr finds the first byte fast; the rest is compared where it is.
                guard let hit = memchr(base + index, Int32(needle[0]), last - index + 1) else { return nil }
                index = base.distance(to: UnsafeRawPointer(hit))
                if memcmp(base + index, needle, needle.count) == 0 { return index }
                index += 1
            }
            return nil
        }
    }

    /// The `ref` attribute of a `mergeCell` tag's attribute text.
    private mutating func addTag(_ attributes: [UInt8], limit: Int, file: String, part: String) throws {
        let text = String(decoding: attributes, as: UTF8.self)
        guard let refStart = text.range(of: "ref=") else { return }
        let rest = text[refStart.upperBound...]
        guard let quote = rest.first, quote == "\"" || quote == "'" else { return }
        let value = rest.dropFirst().prefix { $0 != quote }
        guard let range = WorkbookValue.range(String(value)) else { return }
        add(
            Range(
                firstColumn: min(range.first.column, range.last.column), firstRow: min(range.first.row, range.last.row),
                lastColumn: max(range.first.column, range.last.column), lastRow: max(range.first.row, range.last.row)))
        if count > limit {
            throw MRABatError(
                .workbook, "part \(part) has more than \(limit) merged ranges: no phone sheet comes near that; refused",
                at: SourceLocation(file: file))
        }
    }
}
