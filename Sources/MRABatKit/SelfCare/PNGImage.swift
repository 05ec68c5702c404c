import CLibZ

/// A minimal PNG encoder for black-and-white images such as QR codes.
///
/// One-bit greyscale, no interlacing, no filtering; zlib deflates the image data and computes
/// each chunk's CRC-32.
package enum PNGImage {
    /// The PNG of `qr`, `scale` pixels per module, with a quiet zone of `border` modules (4 per ISO/IEC 18004).
    /// - Throws: ``MRABatError`` `.internal` if zlib fails (it cannot for an in-memory buffer of
    ///   ``compressBound``'s size, short of running out of memory).
    package static func encode(_ qr: QRCode, scale: Int = 8, border: Int = 4) throws -> [UInt8] {
        let side = (qr.size + 2 * border) * scale
        let rowBytes = (side + 7) / 8
        var raw: [UInt8] = []
        raw.reserveCapacity((rowBytes + 1) * side)
        for py in 0..<side {
            raw.append(0)  // filter type: none
            var row = [UInt8](repeating: 0, count: rowBytes)
            for px in 0..<side {
                let mx = px / scale - border
                let my = py / scale - border
                let dark = mx >= 0 && my >= 0 && mx < qr.size && my < qr.size && qr.isDark(x: mx, y: my)
                // 1-bit greyscale: 1 is white.
                if !dark { row[px / 8] |= 0x80 >> UInt8(px % 8) }
            }
            raw += row
        }
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header: [UInt8] = []
        header += bigEndian(UInt32(side))
        header += bigEndian(UInt32(side))
        header += [1, 0, 0, 0, 0]  // bit depth 1, greyscale, deflate, adaptive filtering, no interlace
        png += chunk("IHDR", header)
        png += chunk("IDAT", try deflate(raw))
        png += chunk("IEND", [])
        return png
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        return bigEndian(UInt32(data.count)) + typeBytes + data + bigEndian(crc32(typeBytes + data))
    }

    /// `data` as a zlib stream (RFC 1950: deflate and Adler-32), best compression.
    static func deflate(_ data: [UInt8]) throws -> [UInt8] {
        var capacity = compressBound(uLong(data.count))
        var out = [UInt8](repeating: 0, count: Int(capacity))
        let status = compress2(&out, &capacity, data, uLong(data.count), Z_BEST_COMPRESSION)
        guard status == Z_OK else {
            throw MRABatError(.internal, "zlib could not compress a PNG image", cause: "zlib status \(status)")
        }
        out.removeLast(out.count - Int(capacity))
        return out
    }

    /// The CRC-32 (ISO 3309, as PNG uses it) of `data`.
    static func crc32(_ data: [UInt8]) -> UInt32 {
        UInt32(truncatingIfNeeded: CLibZ.crc32(0, data, uInt(data.count)))
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}
