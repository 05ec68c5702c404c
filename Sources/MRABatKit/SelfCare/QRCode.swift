import CQRencode

/// A QR code symbol made by libqrencode: a square of dark and light modules.
package struct QRCode: Sendable, Equatable {
    /// Modules per side.
    package let size: Int
    /// Row-major, `true` for dark.
    let modules: [Bool]

    /// Encodes `text` (8-bit mode, case-sensitive) at error-correction level M, in the smallest
    /// version that holds it.
    ///
    /// - Throws: ``MRABatError`` `.io` if libqrencode fails (text too long, out of memory).
    package init(encoding text: String) throws {
        guard let symbol = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1) else {
            throw MRABatError(.io, "libqrencode cannot encode a QR code of \(text.utf8.count) bytes")
        }
        defer { QRcode_free(symbol) }
        let width = Int(symbol.pointee.width)
        size = width
        // Bit 0 of each byte is the module's colour; the other bits describe its role.
        modules = UnsafeBufferPointer(start: symbol.pointee.data, count: width * width).map { $0 & 1 == 1 }
    }

    /// Whether the module at column `x`, row `y` is dark.
    package func isDark(x: Int, y: Int) -> Bool { modules[y * size + x] }
}
