/// A ``ByteSource`` stage that turns a stream in some ``TextEncoding`` into UTF-8, chunk by chunk.
///
/// A leading byte-order mark is dropped. UTF-8 input is validated and passed through; Windows-1252
/// goes through a 256-entry table; UTF-16 code units and surrogate pairs may be split across chunks.
/// Anything undecodable is an `.encoding` error naming the physical line and the 0-based byte offset
/// in the input (as a hex editor shows it).
///
/// A class because it owns a buffer and a position in its source; a copy would share both.
package final class UTF8Transcoder: ByteSource {
    /// The encoding being decoded.
    package let encoding: TextEncoding
    private var source: any ByteSource
    private let file: String

    private let input: UnsafeMutableRawBufferPointer
    private var inputStart = 0
    private var inputEnd = 0
    /// Absolute input offset of `input[inputStart]`.
    private var offset = 0
    private var sourceEnded = false
    private var started = false

    /// Output that did not fit in the caller's buffer (at most one encoded scalar).
    private var pending: [UInt8] = []
    private var pendingStart = 0

    private var validator = UTF8Validator()
    /// Physical line of the next output byte; CRLF, LF and lone CR each end a line.
    private var line = 1
    private var lastWasCR = false

    /// - Parameters:
    ///   - source: the encoded bytes.
    ///   - encoding: how to decode them (from ``TextEncoding/detect(path:)`` or the user).
    ///   - file: the file as the user named it, for error messages.
    ///   - bufferSize: input bytes read from `source` at a time.
    package init(source: some ByteSource, encoding: TextEncoding, file: String, bufferSize: Int = 64 * 1024) {
        self.source = source
        self.encoding = encoding
        self.file = file
        input = .allocate(byteCount: max(4, bufferSize), alignment: 1)
    }

    deinit {
        input.deallocate()
    }

    package func read(into out: UnsafeMutableRawBufferPointer) throws -> Int {
        guard out.count > 0 else { return 0 }
        var written = flushPending(into: out, at: 0)
        if !started { try start() }
        while written < out.count && pendingStart == pending.count {
            let before = written
            if inputStart < inputEnd {
                switch encoding {
                case .utf8, .utf8BOM: written = try decodeUTF8(into: out, at: written)
                case .windows1252: written = try decodeWindows1252(into: out, at: written)
                case .utf16LE: written = try decodeUTF16(into: out, at: written, bigEndian: false)
                case .utf16BE: written = try decodeUTF16(into: out, at: written, bigEndian: true)
                }
            }
            // Hand back what we have rather than block on the source for more.
            if written > before { break }
            // Nothing decodable: the input is empty or holds only part of a UTF-16 unit or pair.
            if sourceEnded {
                try finishInput()
                break
            }
            try refill()
        }
        return written
    }

    // MARK: - Input

    /// Reads the first bytes and drops a byte-order mark that matches the encoding.
    private func start() throws {
        started = true
        while inputEnd - inputStart < 3 && !sourceEnded { try refill() }
        let available = inputEnd - inputStart
        let bomLength: Int
        switch encoding {
        case .utf8, .utf8BOM:
            let isBOM = available >= 3 && input[0] == 0xEF && input[1] == 0xBB && input[2] == 0xBF
            bomLength = isBOM ? 3 : 0
        case .utf16LE: bomLength = available >= 2 && input[0] == 0xFF && input[1] == 0xFE ? 2 : 0
        case .utf16BE: bomLength = available >= 2 && input[0] == 0xFE && input[1] == 0xFF ? 2 : 0
        case .windows1252: bomLength = 0
        }
        inputStart += bomLength
        offset += bomLength
    }

    /// Moves leftover bytes to the front, then reads more after them.
    private func refill() throws {
        if inputStart > 0 {
            let leftover = inputEnd - inputStart
            if leftover > 0 {
                // The regions may overlap; copyMemory moves them as memmove does.
                UnsafeMutableRawBufferPointer(rebasing: input[..<leftover])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: input[inputStart..<inputEnd]))
            }
            inputStart = 0
            inputEnd = leftover
        }
        let count = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: input[inputEnd...]))
        if count == 0 { sourceEnded = true }
        inputEnd += count
    }

    /// At the end of the source: anything left over is a character cut short.
    private func finishInput() throws {
        switch encoding {
        case .utf8, .utf8BOM:
            if let bad = validator.finish() {
                throw error("UTF-8 text ends in the middle of a character", byte: validator.leadByte, offset: bad)
            }
        case .utf16LE, .utf16BE:
            if inputStart < inputEnd {
                let message =
                    inputEnd - inputStart == 1
                    ? "UTF-16 text ends in the middle of a character"
                    : "unpaired UTF-16 surrogate at the end of the file"
                throw error(message, byte: input[inputStart], offset: offset)
            }
        case .windows1252:
            break
        }
    }

    // MARK: - Decoding

    private func decodeUTF8(into out: UnsafeMutableRawBufferPointer, at written: Int) throws -> Int {
        let count = min(inputEnd - inputStart, out.count - written)
        let chunk = UnsafeRawBufferPointer(rebasing: input[inputStart..<(inputStart + count)])
        if let bad = validator.consume(chunk, base: offset) {
            // The bad sequence may have begun in an earlier chunk; its lead byte is never a line break.
            countLines(UnsafeRawBufferPointer(rebasing: chunk[..<max(0, bad - offset)]))
            let byte = bad >= offset ? chunk[bad - offset] : validator.leadByte
            throw error("invalid UTF-8 byte", byte: byte, offset: bad, hint: " (is the file Windows-1252?)")
        }
        countLines(chunk)
        UnsafeMutableRawBufferPointer(rebasing: out[written..<(written + count)]).copyMemory(from: chunk)
        inputStart += count
        offset += count
        return written + count
    }

    private func decodeWindows1252(into out: UnsafeMutableRawBufferPointer, at written: Int) throws -> Int {
        var written = written
        while inputStart < inputEnd && written < out.count {
            let byte = input[inputStart]
            if byte < 0x80 {
                out[written] = byte
                written += 1
                noteScalar(UInt32(byte))
            } else {
                let scalar = Self.windows1252[Int(byte)]
                guard scalar != 0 else {
                    throw error("byte not defined in Windows-1252", byte: byte, offset: offset)
                }
                written = emit(scalar, into: out, at: written)
            }
            inputStart += 1
            offset += 1
        }
        return written
    }

    private func decodeUTF16(into out: UnsafeMutableRawBufferPointer, at written: Int, bigEndian: Bool) throws
        -> Int
    {
        var written = written
        func unit(_ index: Int) -> UInt32 {
            let first = UInt32(input[index])
            let second = UInt32(input[index + 1])
            return bigEndian ? first << 8 | second : second << 8 | first
        }
        while inputEnd - inputStart >= 2 && written < out.count {
            let high = unit(inputStart)
            var scalar = high
            var length = 2
            if high >= 0xD800 && high <= 0xDBFF {
                // The low half may still be in the source: wait for it unless the source is done.
                guard inputEnd - inputStart >= 4 else {
                    if sourceEnded { throw surrogateError(high) }
                    break
                }
                let low = unit(inputStart + 2)
                guard low >= 0xDC00 && low <= 0xDFFF else { throw surrogateError(high) }
                scalar = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                length = 4
            } else if high >= 0xDC00 && high <= 0xDFFF {
                throw surrogateError(high)
            }
            written = emit(scalar, into: out, at: written)
            inputStart += length
            offset += length
        }
        return written
    }

    // MARK: - Output

    /// Writes one scalar as UTF-8; what does not fit waits in `pending` for the next read.
    private func emit(_ scalar: UInt32, into out: UnsafeMutableRawBufferPointer, at written: Int) -> Int {
        noteScalar(scalar)
        var encoded = (UInt8(0), UInt8(0), UInt8(0), UInt8(0))
        let length: Int
        switch scalar {
        case 0..<0x80:
            encoded.0 = UInt8(scalar)
            length = 1
        case 0x80..<0x800:
            encoded = (UInt8(0xC0 | scalar >> 6), UInt8(0x80 | scalar & 0x3F), 0, 0)
            length = 2
        case 0x800..<0x10000:
            encoded = (UInt8(0xE0 | scalar >> 12), UInt8(0x80 | scalar >> 6 & 0x3F), UInt8(0x80 | scalar & 0x3F), 0)
            length = 3
        default:
            encoded = (
                UInt8(0xF0 | scalar >> 18), UInt8(0x80 | scalar >> 12 & 0x3F), UInt8(0x80 | scalar >> 6 & 0x3F),
                UInt8(0x80 | scalar & 0x3F)
            )
            length = 4
        }
        return withUnsafeBytes(of: encoded) { bytes in
            let fits = min(length, out.count - written)
            UnsafeMutableRawBufferPointer(rebasing: out[written..<(written + fits)])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[..<fits]))
            if fits < length {
                pending = Array(bytes[fits..<length])
                pendingStart = 0
            }
            return written + fits
        }
    }

    private func flushPending(into out: UnsafeMutableRawBufferPointer, at written: Int) -> Int {
        var written = written
        while pendingStart < pending.count && written < out.count {
            out[written] = pending[pendingStart]
            pendingStart += 1
            written += 1
        }
        return written
    }

    // MARK: - Lines, for error messages

    private func noteScalar(_ scalar: UInt32) {
        if scalar == 0x0A {
            if !lastWasCR { line += 1 }
            lastWasCR = false
        } else if scalar == 0x0D {
            line += 1
            lastWasCR = true
        } else {
            lastWasCR = false
        }
    }

    private func countLines(_ bytes: UnsafeRawBufferPointer) {
        var line = self.line
        var lastWasCR = self.lastWasCR
        for byte in bytes {
            if byte > 0x0D {
                lastWasCR = false
            } else if byte == 0x0A {
                if !lastWasCR { line += 1 }
                lastWasCR = false
            } else if byte == 0x0D {
                line += 1
                lastWasCR = true
            } else {
                lastWasCR = false
            }
        }
        self.line = line
        self.lastWasCR = lastWasCR
    }

    // MARK: - Errors

    private func surrogateError(_ unit: UInt32) -> MRABatError {
        let hex = "0x" + String(unit, radix: 16, uppercase: true)
        return MRABatError(
            .encoding, "unpaired UTF-16 surrogate \(hex) at byte offset \(offset)",
            at: SourceLocation(file: file, line: line), value: hex)
    }

    private func error(_ message: String, byte: UInt8, offset: Int, hint: String = "") -> MRABatError {
        let hex = "0x" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16, uppercase: true)
        return MRABatError(
            .encoding, "\(message) \(hex) at byte offset \(offset)\(hint)",
            at: SourceLocation(file: file, line: line), value: hex)
    }

    /// Windows-1252 to Unicode; 0 marks the five undefined bytes (81 8D 8F 90 9D).
    /// 00–7F and A0–FF are Latin-1; only 80–9F differ.
    static let windows1252: [UInt32] = {
        var table = (0..<256).map { UInt32($0) }
        let specials: [UInt32] = [
            0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
            0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
            0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
            0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
        ]
        for (index, scalar) in specials.enumerated() { table[0x80 + index] = scalar }
        return table
    }()
}
