/// A streaming RFC 4180 reader for BAT CSV files, working on UTF-8 bytes in a buffer it owns.
///
/// Typical use:
///
/// ```swift
/// let encoding = try TextEncoding.detect(path: path)
/// var reader = try CSVReader(source: FileByteSource(path: path), encoding: encoding, file: path)
/// guard let header = try reader.next() else { … }
/// while let record = try reader.next() { … }
/// ```
///
/// Accepts quoted fields with doubled quotes, delimiters and line breaks; CRLF, LF and lone CR
/// line endings; a byte-order mark. Lines that are empty or only white space are skipped wherever
/// they are (unlike Cisco BAT, a blank line does not end the file). Rows of delimiters only (`,,,`)
/// are returned; see ``CSVRecord/isBlank``.
///
/// A field that starts with `'` followed by `=`, `+`, `-`, `@`, TAB or CR (after any further `'`)
/// loses that first `'`: it is the apostrophe ``CSVText`` puts before a cell a spreadsheet would run
/// as a formula, so a `rejects.csv` reads back as the values it was written from.
///
/// Syntax errors are `.csvSyntax` with the physical line and the 1-based column, counted in Unicode
/// scalars, of the offending character: a quote inside an unquoted field, text after a closing
/// quote, and a quoted field never closed (reported where its quote opened). Memory stays bounded
/// whatever the input: a record over ``maxRecordBytes`` or ``maxFields`` fields is a `.csvSyntax`
/// error too, raised as soon as it is seen (at most one buffer later), with the line the record
/// starts on — or, inside a quoted field, where its quote opens, since a quote never closed is the
/// usual cause. Such a record is no BAT row, so the whole file is refused rather than the row.
///
/// Noncopyable because it owns its buffer and a position in its source.
package struct CSVReader: ~Copyable {
    /// The file as the user named it; every error names it.
    package let file: String
    /// The encoding the bytes are decoded from.
    package let encoding: TextEncoding
    /// The field delimiter: `,`, `;` or TAB, given or detected from the header line.
    package let delimiter: UInt8

    private let transcoder: UTF8Transcoder
    private var buffer: UnsafeMutableRawBufferPointer
    /// 1 where a byte may end a run of field text: quote, CR, LF, delimiter.
    private let special: UnsafeMutablePointer<UInt8>
    private var pos = 0
    private var end = 0
    /// Absolute UTF-8 stream offset of `buffer[0]`.
    private var bufferBase = 0
    /// Physical line of the byte at `pos`.
    private var line = 1
    /// Absolute stream offset just after the last CR, so the LF of a CRLF is not counted twice.
    private var afterCR = -1
    /// Columns are counted lazily from a cursor: scalars in the current line before `columnCursor`.
    private var columnCursor = 0
    private var columnCount = 0

    private var fieldBytes: [UInt8] = []
    /// Whether the last field made lost the apostrophe CSVText writes before a formula-like cell.
    private var restored = false
    private var fieldCountHint = 8

    private static let quote = UInt8(ascii: "\"")
    private static let apostrophe = UInt8(ascii: "'")
    private static let lf = UInt8(ascii: "\n")
    private static let cr = UInt8(ascii: "\r")
    /// The header line is read ahead to find the delimiter; past this size the guess uses what was seen.
    private static let maxLookahead = 1 << 20
    /// UTF-8 bytes of one record, delimiters and quotes included. No BAT row comes near it: a row's
    /// values are at most 128 characters, and the widest BAT export (Export Phones – All Details,
    /// ten lines, about 1,000 columns) has a header of some 30–40 KB. A record that grows past it
    /// is a quote never closed or a file that is not CSV; stopping there bounds one record's
    /// memory (its text, and at most ``maxFields`` strings) whatever the file's size.
    static let maxRecordBytes = 128 << 10
    /// Fields in one record: Excel's column limit (XFD), so no spreadsheet's row is refused.
    static let maxFields = 1 << 14

    /// Creates a reader; when `delimiter` is nil, reads ahead to the end of the header line to detect it.
    ///
    /// - Parameters:
    ///   - source: the file's bytes, in `encoding`.
    ///   - encoding: from ``TextEncoding/detect(path:)``, or the user's override.
    ///   - delimiter: `,`, `;` or TAB; nil detects the one of the three occurring most often outside
    ///     quotes in the first non-blank record, `,` when none occurs (ties prefer `,`, then `;`).
    ///   - file: the file as the user named it, for error messages.
    /// - Throws: ``MRABatError`` `.io` or `.encoding` while reading the header line; `.usage` for a
    ///   delimiter that is a quote, CR, LF or not ASCII.
    package init(
        source: some ByteSource, encoding: TextEncoding, delimiter: UInt8? = nil, file: String
    ) throws {
        try self.init(source: source, encoding: encoding, delimiter: delimiter, file: file, bufferSize: 64 * 1024)
    }

    init(source: some ByteSource, encoding: TextEncoding, delimiter: UInt8?, file: String, bufferSize: Int) throws {
        if let delimiter, delimiter == Self.quote || delimiter == Self.cr || delimiter == Self.lf || delimiter >= 0x80 {
            throw MRABatError(.usage, "a CSV delimiter cannot be a quote, a line break or a non-ASCII byte")
        }
        let transcoder = UTF8Transcoder(source: source, encoding: encoding, file: file)
        var buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(4, bufferSize), alignment: 1)
        var end = 0
        let detected: UInt8
        do {
            if let delimiter {
                detected = delimiter
                end = try transcoder.read(into: buffer)
            } else {
                // Read until the first record is complete; the buffer grows (bounded) for a huge header.
                var ended = false
                while true {
                    if let found = Self.detectDelimiter(UnsafeRawBufferPointer(rebasing: buffer[..<end]), final: ended)
                    {
                        detected = found
                        break
                    }
                    if end == buffer.count {
                        if buffer.count >= Self.maxLookahead {
                            // With `final` the guess is always made; `,` is its own default.
                            detected =
                                Self.detectDelimiter(UnsafeRawBufferPointer(buffer), final: true) ?? UInt8(ascii: ",")
                            break
                        }
                        let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 1)
                        larger.copyMemory(from: UnsafeRawBufferPointer(buffer))
                        buffer.deallocate()
                        buffer = larger
                    }
                    let count = try transcoder.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end...]))
                    if count == 0 { ended = true }
                    end += count
                }
            }
        } catch {
            buffer.deallocate()
            throw error
        }
        let special = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        special.initialize(repeating: 0, count: 256)
        for byte in [Self.quote, Self.cr, Self.lf, detected] { special[Int(byte)] = 1 }

        self.file = file
        self.encoding = encoding
        self.delimiter = detected
        self.transcoder = transcoder
        self.buffer = buffer
        self.special = special
        self.end = end
    }

    deinit {
        buffer.deallocate()
        special.deallocate()
    }

    /// Counts `,` `;` TAB outside quotes in the first non-blank line; nil if that line may not be complete.
    private static func detectDelimiter(_ bytes: UnsafeRawBufferPointer, final: Bool) -> UInt8? {
        var inQuotes = false
        var content = false
        var counts = (comma: 0, semicolon: 0, tab: 0)
        var complete = false
        for byte in bytes {
            if byte == quote {
                inQuotes.toggle()
                content = true
            } else if inQuotes {
                continue
            } else if byte == lf || byte == cr {
                if content {
                    complete = true
                    break
                }
            } else {
                switch byte {
                case UInt8(ascii: ","): counts.comma += 1
                case UInt8(ascii: ";"): counts.semicolon += 1
                case UInt8(ascii: "\t"): counts.tab += 1
                default: break
                }
                if byte != UInt8(ascii: " ") { content = true }
            }
        }
        guard complete || final else { return nil }
        if counts.tab > counts.comma && counts.tab > counts.semicolon { return UInt8(ascii: "\t") }
        if counts.semicolon > counts.comma { return UInt8(ascii: ";") }
        return UInt8(ascii: ",")
    }

    private enum State {
        case recordStart, fieldStart, unquoted, quoted, afterQuote
    }

    /// Reads the next record, skipping blank lines.
    ///
    /// - Returns: the record, or nil at the end of the file.
    /// - Throws: ``MRABatError`` `.csvSyntax` with line and column; `.encoding` or `.io` from the source.
    package mutating func next() throws -> CSVRecord? {
        var fields: [String] = []
        fields.reserveCapacity(fieldCountHint)
        fieldBytes.removeAll(keepingCapacity: true)
        var state = State.recordStart
        var recordLine = line
        // Stream offset of the record's first byte.
        var recordStart = bufferBase + pos
        var quoteLine = 0
        var quoteColumn = 0
        var quoted = false

        while true {
            if pos == end {
                if state != .recordStart && bufferBase + end - recordStart > Self.maxRecordBytes {
                    // Blame the open quote only when its field is much of the record: a quote never closed
                    // swallows the rest of the file, a long row of short quoted fields does not.
                    let inQuote =
                        (state == .quoted || state == .afterQuote) && fieldBytes.count > Self.maxRecordBytes / 4
                    throw tooLong(quoted: inQuote, line: recordLine, quoteLine: quoteLine, quoteColumn: quoteColumn)
                }
                guard try refill() else {
                    switch state {
                    case .recordStart:
                        return nil
                    case .quoted:
                        throw MRABatError(
                            .csvSyntax, "quoted field is never closed (its quote opens here)",
                            at: SourceLocation(file: file, line: quoteLine, column: quoteColumn))
                    case .fieldStart, .unquoted, .afterQuote:
                        fields.append(takeField())
                        if fields.count == 1 && !quoted && !restored
                            && fields[0].allSatisfy({ $0 == " " || $0 == "\t" })
                        {
                            return nil
                        }
                        return try finish(
                            fields, line: recordLine, endLine: line, bytes: bufferBase + pos - recordStart)
                    }
                }
            }
            let byte = buffer[pos]
            switch state {
            case .recordStart:
                if byte == Self.lf || byte == Self.cr {
                    // An empty line, or the LF of a CRLF that ended the previous record.
                    consumeLineBreak(byte)
                    continue
                }
                recordLine = line
                recordStart = bufferBase + pos
                state = .fieldStart

            case .fieldStart:
                if byte == Self.quote {
                    quoteLine = line
                    quoteColumn = column(at: pos)
                    quoted = true
                    state = .quoted
                    pos += 1
                } else {
                    quoted = false
                    state = .unquoted
                }

            case .unquoted:
                let start = pos
                while pos < end && special[Int(buffer[pos])] == 0 { pos += 1 }
                if pos == end {
                    fieldBytes.append(contentsOf: buffer[start..<pos])
                    continue
                }
                // The common case, a field wholly inside the buffer, becomes a String without a copy.
                if fieldBytes.isEmpty {
                    var first = start
                    restored = buffer[start] == Self.apostrophe && CSVText.isNeutralised(buffer[start..<pos])
                    if restored { first += 1 }
                    fields.append(
                        String(decoding: UnsafeRawBufferPointer(rebasing: buffer[first..<pos]), as: UTF8.self))
                } else {
                    fieldBytes.append(contentsOf: buffer[start..<pos])
                    fields.append(takeField())
                }
                let stop = buffer[pos]
                if stop == delimiter {
                    if fields.count >= Self.maxFields { throw tooManyFields(line: recordLine) }
                    pos += 1
                    state = .fieldStart
                } else if stop == Self.quote {
                    throw MRABatError(
                        .csvSyntax, "quote inside an unquoted field; quote the whole field and double the quote (\"\")",
                        at: SourceLocation(file: file, line: line, column: column(at: pos)),
                        value: fields.last.map { $0 + "\"" })
                } else {
                    let endLine = line
                    let bytes = bufferBase + pos - recordStart
                    consumeLineBreak(stop)
                    // (Not a `'` before a TAB, which is the field TAB written by CSVText.)
                    if fields.count == 1 && !restored && fields[0].allSatisfy({ $0 == " " || $0 == "\t" }) {
                        // A line of white space only: as blank as an empty one.
                        fields.removeAll(keepingCapacity: true)
                        state = .recordStart
                        continue
                    }
                    return try finish(fields, line: recordLine, endLine: endLine, bytes: bytes)
                }

            case .quoted:
                let start = pos
                while pos < end && special[Int(buffer[pos])] == 0 { pos += 1 }
                fieldBytes.append(contentsOf: buffer[start..<pos])
                if pos == end { continue }
                let stop = buffer[pos]
                if stop == Self.quote {
                    pos += 1
                    state = .afterQuote
                } else {
                    fieldBytes.append(stop)
                    if stop == Self.lf || stop == Self.cr {
                        consumeLineBreak(stop)
                    } else {
                        pos += 1
                    }
                }

            case .afterQuote:
                if byte == Self.quote {
                    // A doubled quote stands for one quote.
                    fieldBytes.append(byte)
                    pos += 1
                    state = .quoted
                } else if byte == delimiter {
                    fields.append(takeField())
                    if fields.count >= Self.maxFields { throw tooManyFields(line: recordLine) }
                    pos += 1
                    state = .fieldStart
                } else if byte == Self.lf || byte == Self.cr {
                    fields.append(takeField())
                    let endLine = line
                    let bytes = bufferBase + pos - recordStart
                    consumeLineBreak(byte)
                    return try finish(fields, line: recordLine, endLine: endLine, bytes: bytes)
                } else {
                    throw MRABatError(
                        .csvSyntax, "text after a closing quote; a quote inside a quoted field must be doubled (\"\")",
                        at: SourceLocation(file: file, line: line, column: column(at: pos)),
                        value: String(decoding: fieldBytes, as: UTF8.self))
                }
            }
        }
    }

    private func tooManyFields(line: Int) -> MRABatError {
        MRABatError(
            .csvSyntax, "a record has more than \(Self.maxFields) fields: this is not a BAT CSV file",
            at: SourceLocation(file: file, line: line))
    }

    private func tooLong(quoted: Bool, line: Int, quoteLine: Int, quoteColumn: Int) -> MRABatError {
        let limit = "\(Self.maxRecordBytes >> 10) KiB"
        if quoted {
            return MRABatError(
                .csvSyntax,
                "a record runs over \(limit) inside a quoted field; its quote is probably never closed (it opens here)",
                at: SourceLocation(file: file, line: quoteLine, column: quoteColumn))
        }
        return MRABatError(
            .csvSyntax, "a record runs over \(limit): no BAT row comes near that; this is not a BAT CSV file",
            at: SourceLocation(file: file, line: line))
    }

    /// The record, unless its `bytes` (line break excluded) are more than ``maxRecordBytes``, which
    /// the checks at each refill only catch to within a buffer.
    private mutating func finish(_ fields: [String], line: Int, endLine: Int, bytes: Int) throws -> CSVRecord {
        if bytes > Self.maxRecordBytes {
            throw tooLong(quoted: false, line: line, quoteLine: 0, quoteColumn: 0)
        }
        fieldCountHint = fields.count
        return CSVRecord(fields: fields, line: line, endLine: endLine)
    }

    private mutating func takeField() -> String {
        restored = fieldBytes.first == Self.apostrophe && CSVText.isNeutralised(fieldBytes)
        let field = String(decoding: restored ? fieldBytes[1...] : fieldBytes[...], as: UTF8.self)
        fieldBytes.removeAll(keepingCapacity: true)
        return field
    }

    /// Consumes the CR or LF at `pos`, counting a CRLF as one line break.
    private mutating func consumeLineBreak(_ byte: UInt8) {
        let absolute = bufferBase + pos
        if byte == Self.cr {
            line += 1
            afterCR = absolute + 1
        } else if afterCR != absolute {
            line += 1
        }
        pos += 1
        columnCursor = pos
        columnCount = 0
    }

    /// The 1-based column of `buffer[index]` in the current physical line, in Unicode scalars.
    private mutating func column(at index: Int) -> Int {
        advanceColumn(to: index)
        return columnCount + 1
    }

    private mutating func advanceColumn(to index: Int) {
        var count = columnCount
        var cursor = columnCursor
        while cursor < index {
            // Every byte but a UTF-8 continuation byte starts a scalar.
            if buffer[cursor] & 0xC0 != 0x80 { count += 1 }
            cursor += 1
        }
        columnCount = count
        columnCursor = cursor
    }

    /// Reads the next chunk; false at the end of the stream.
    private mutating func refill() throws -> Bool {
        advanceColumn(to: end)
        columnCursor = 0
        bufferBase += end
        pos = 0
        end = try transcoder.read(into: buffer)
        return end > 0
    }
}
