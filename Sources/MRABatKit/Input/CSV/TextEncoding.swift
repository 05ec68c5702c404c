/// The text encodings a BAT CSV may arrive in; the reader turns each into UTF-8.
///
/// Spreadsheets save UTF-8 with or without a byte-order mark, "Unicode text" as UTF-16 with a mark,
/// and legacy Western-European exports as Windows-1252.
package enum TextEncoding: String, Sendable, CaseIterable {
    case utf8, utf8BOM, utf16LE, utf16BE, windows1252

    /// Parses a user's `--encoding` value: the raw values and the usual spellings
    /// (`utf-8`, `utf-8-bom`, `utf-16le`, `utf-16be`, `windows-1252`, `cp1252`), case-insensitively.
    package init?(name: String) {
        let key = name.lowercased().filter { $0 != "-" && $0 != "_" && $0 != " " }
        switch key {
        case "utf8": self = .utf8
        case "utf8bom", "utf8sig": self = .utf8BOM
        case "utf16le", "utf16", "unicode": self = .utf16LE
        case "utf16be": self = .utf16BE
        case "windows1252", "cp1252", "win1252": self = .windows1252
        default: return nil
        }
    }

    /// Detects the encoding of the file at `path` by reading it once in chunks.
    ///
    /// A byte-order mark decides at once (EF BB BF, FF FE, FE FF). Otherwise the whole file is
    /// checked: valid UTF-8 (plain ASCII included) is ``utf8``, anything else ``windows1252``.
    /// Memory use is one chunk, whatever the file's size.
    /// - Throws: ``MRABatError`` `.io` if the file cannot be opened or read.
    package static func detect(path: String) throws -> TextEncoding {
        var source = try FileByteSource(path: path)
        return try detect(source: &source)
    }

    /// Detects the encoding of a byte stream, consuming it; see ``detect(path:)``.
    package static func detect(source: inout some ByteSource) throws -> TextEncoding {
        let capacity = 64 * 1024
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 1)
        defer { buffer.deallocate() }

        // Sources may return fewer bytes than asked for, so gather the three a BOM needs.
        var count = 0
        while count < 3 {
            let got = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[count...]))
            if got == 0 { break }
            count += got
        }
        if count >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { return .utf8BOM }
        if count >= 2 && buffer[0] == 0xFF && buffer[1] == 0xFE { return .utf16LE }
        if count >= 2 && buffer[0] == 0xFE && buffer[1] == 0xFF { return .utf16BE }

        var validator = UTF8Validator()
        var base = 0
        while count > 0 {
            if validator.consume(UnsafeRawBufferPointer(rebasing: buffer[..<count]), base: base) != nil {
                return .windows1252
            }
            base += count
            count = try source.read(into: buffer)
        }
        return validator.finish() == nil ? .utf8 : .windows1252
    }
}
