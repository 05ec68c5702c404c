/// An incremental UTF-8 validator (Unicode Table 3-7): bytes may arrive split anywhere.
///
/// Rejects overlong forms, surrogates and code points above U+10FFFF, so "valid" means exactly
/// what `String` would accept without repair.
struct UTF8Validator {
    /// Continuation bytes still expected for the current sequence.
    private var need = 0
    /// Allowed range of the next continuation byte (narrower after E0, ED, F0, F4).
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF
    /// Absolute offset and value of the current sequence's lead byte, for error reports.
    private(set) var sequenceStart = 0
    private(set) var leadByte: UInt8 = 0

    /// Validates `bytes`, whose first byte is at absolute offset `base`.
    ///
    /// - Returns: the absolute offset of the first byte of the first invalid sequence, or nil.
    ///   The offset may lie before `base` when a sequence began in an earlier chunk.
    mutating func consume(_ bytes: UnsafeRawBufferPointer, base: Int) -> Int? {
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if need == 0 {
                if byte < 0x80 {
                    index += 1
                    continue
                }
                sequenceStart = base + index
                leadByte = byte
                lower = 0x80
                upper = 0xBF
                switch byte {
                case 0xC2...0xDF: need = 1
                case 0xE0:
                    need = 2
                    lower = 0xA0
                case 0xE1...0xEC, 0xEE...0xEF: need = 2
                case 0xED:
                    need = 2
                    upper = 0x9F
                case 0xF0:
                    need = 3
                    lower = 0x90
                case 0xF1...0xF3: need = 3
                case 0xF4:
                    need = 3
                    upper = 0x8F
                default: return base + index
                }
            } else {
                guard byte >= lower && byte <= upper else {
                    need = 0
                    return sequenceStart
                }
                lower = 0x80
                upper = 0xBF
                need -= 1
            }
            index += 1
        }
        return nil
    }

    /// At the end of the input: the offset of a sequence cut short, or nil.
    func finish() -> Int? {
        need > 0 ? sequenceStart : nil
    }
}
