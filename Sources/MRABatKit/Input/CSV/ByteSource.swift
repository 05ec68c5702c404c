/// A stream of bytes read in chunks: a file, memory, or a decoding stage over another source.
///
/// Readers pull bytes into a buffer they own, so no stage ever holds a whole file.
package protocol ByteSource {
    /// Reads up to `buffer.count` bytes into `buffer`.
    ///
    /// - Returns: the number of bytes written; 0 means the end of the stream (and stays 0).
    /// - Throws: ``MRABatError`` (`.io`, `.encoding`) naming the file.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}
