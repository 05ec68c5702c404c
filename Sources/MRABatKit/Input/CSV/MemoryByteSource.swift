/// A ``ByteSource`` over bytes in memory, handing them out at most `chunkSize` at a time.
///
/// Meant for tests: a small `chunkSize` makes every chunk boundary fall somewhere new.
package struct MemoryByteSource: ByteSource, Sendable {
    private let bytes: [UInt8]
    private let chunkSize: Int
    private var offset = 0

    /// - Parameters:
    ///   - bytes: the whole stream.
    ///   - chunkSize: the most bytes one ``read(into:)`` returns; at least 1.
    package init(bytes: [UInt8], chunkSize: Int = 64 * 1024) {
        self.bytes = bytes
        self.chunkSize = max(1, chunkSize)
    }

    package mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(chunkSize, buffer.count, bytes.count - offset)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { all in
            UnsafeMutableRawBufferPointer(rebasing: buffer[..<count])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: all[offset..<(offset + count)]))
        }
        offset += count
        return count
    }
}
