import CLibZ
import Foundation
import Glibc
import ZIPFoundation

/// A workbook's ZIP archive (`.xlsx`, `.ods`), opened to list its parts and stream them.
///
/// Refuses files that are not ZIP archives with a message naming what they are instead (a legacy
/// `.xls` or a password-protected workbook is an OLE2 compound file), and parts whose declared
/// sizes make them a ZIP bomb (``WorkbookLimits``); while a part is read, its inflated bytes are
/// counted against what its header declared.
final class WorkbookArchive {
    /// The workbook as the user named it; every error names it.
    let file: String
    let limits: WorkbookLimits
    private let url: URL
    private let archive: Archive

    /// Opens `path`.
    ///
    /// - Throws: ``MRABatError`` `.io` (unreadable) or `.workbook` (not a ZIP archive, or damaged).
    init(path: String, limits: WorkbookLimits) throws {
        file = path
        self.limits = limits
        url = URL(fileURLWithPath: path)
        let magic = try Self.magic(path)
        if magic.starts(with: [0xD0, 0xCF, 0x11, 0xE0]) {
            throw MRABatError(
                .workbook,
                "is an OLE2 compound file, not a ZIP archive: a legacy .xls workbook or a password-protected one; "
                    + "save it as .xlsx or .ods without a password",
                at: SourceLocation(file: path))
        }
        guard magic.starts(with: [0x50, 0x4B]) else {
            throw MRABatError(
                .workbook,
                "is not a ZIP archive, as every .xlsx and .ods workbook is"
                    + (magic.isEmpty ? " (the file is empty)" : "; is it a CSV file with a workbook's name?"),
                at: SourceLocation(file: path))
        }
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw MRABatError(
                .workbook, "is a damaged ZIP archive (its central directory cannot be read; was it cut short?)",
                at: SourceLocation(file: path), cause: String(describing: error))
        }
    }

    /// Whether the file at `path` starts as a ZIP archive does (a local file header, `PK\u{3}\u{4}`).
    static func isZIP(path: String) throws -> Bool {
        try magic(path).starts(with: [0x50, 0x4B, 0x03, 0x04])
    }

    private static func magic(_ path: String) throws -> [UInt8] {
        let source = try FileByteSource(path: path, chunkSize: 8)
        var bytes = [UInt8](repeating: 0, count: 8)
        let count = try bytes.withUnsafeMutableBytes { try source.read(into: $0) }
        return Array(bytes.prefix(count))
    }

    /// Whether the archive has an entry at `path` (the ZIP's own path: `xl/workbook.xml`).
    func contains(_ path: String) -> Bool {
        archive[path] != nil
    }

    /// A stream of the inflated bytes of the entry at `path`.
    ///
    /// - Throws: `.workbook` when the entry is missing, a directory, or over the limits by its header.
    func open(_ path: String) throws -> ZipEntryStream {
        guard let entry = archive[path], entry.type == .file else {
            throw MRABatError(
                .workbook, "has no part \(path): it is not a complete workbook", at: SourceLocation(file: file))
        }
        let declared = entry.uncompressedSize
        if declared > limits.maxPartBytes {
            throw MRABatError(
                .workbook,
                "part \(path) inflates to \(Self.size(declared)), more than the \(Self.size(limits.maxPartBytes)) "
                    + "a workbook part may hold: refused as a ZIP bomb",
                at: SourceLocation(file: file))
        }
        if declared > limits.ratioFloor, declared / max(entry.compressedSize, 1) > limits.maxRatio {
            throw MRABatError(
                .workbook,
                "part \(path) inflates \(declared / max(entry.compressedSize, 1)) times its compressed size "
                    + "(\(Self.size(entry.compressedSize)) to \(Self.size(declared))); a spreadsheet compresses at "
                    + "most \(limits.maxRatio) times: refused as a ZIP bomb",
                at: SourceLocation(file: file))
        }
        return ZipEntryStream(url: url, entry: path, file: file, declaredSize: declared)
    }

    static func size(_ bytes: UInt64) -> String {
        if bytes >= 1 << 30 { return String(format: "%.1f GiB", Double(bytes) / Double(1 << 30)) }
        if bytes >= 1 << 20 { return String(format: "%.1f MiB", Double(bytes) / Double(1 << 20)) }
        if bytes >= 1 << 10 { return String(format: "%.1f KiB", Double(bytes) / Double(1 << 10)) }
        return "\(bytes) bytes"
    }
}

/// One ZIP entry inflated on a thread of its own and read in chunks, as a ``ByteSource``.
///
/// ZIPFoundation inflates by pushing chunks into a consumer; libxml2's reader pulls. The entry's
/// thread pushes each chunk into a queue of at most ``ChunkPipe/capacity`` chunks and waits while it
/// is full, so memory holds a few chunks, never the part. Going away before the end stops the
/// thread (its consumer throws) and waits for it, so the archive's file is closed.
final class ZipEntryStream: ByteSource {
    private let pipe = ChunkPipe()
    private var chunk = Data()
    private var offset = 0

    init(url: URL, entry: String, file: String, declaredSize: UInt64) {
        let pipe = self.pipe
        let thread = Thread {
            pipe.finish(Self.inflate(url: url, entry: entry, file: file, declaredSize: declaredSize, into: pipe))
        }
        thread.name = "mrabat-unzip"
        thread.start()
    }

    deinit {
        pipe.close()
    }

    /// Runs on the entry's thread: inflates into `pipe`; returns the error that stopped it, if any.
    private static func inflate(url: URL, entry path: String, file: String, declaredSize: UInt64, into pipe: ChunkPipe)
        -> MRABatError?
    {
        var produced: UInt64 = 0
        do {
            let archive = try Archive(url: url, accessMode: .read)
            guard let entry = archive[path] else {
                return MRABatError(.workbook, "has no part \(path)", at: SourceLocation(file: file))
            }
            // ZIPFoundation leaves comparing the checksum to the caller, and on Linux computes it in Swift, a
            // byte at a time: zlib's crc32 does it here, several times faster.
            var checksum: UInt = 0
            _ = try archive.extract(entry, bufferSize: ChunkPipe.chunkSize, skipCRC32: true) { data in
                checksum = data.withUnsafeBytes { bytes in
                    CLibZ.crc32(checksum, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), uInt(bytes.count))
                }
                produced += UInt64(data.count)
                if produced > declaredSize {
                    throw MRABatError(
                        .workbook,
                        "part \(path) inflates to more than the \(WorkbookArchive.size(declaredSize)) its header "
                            + "declares: a damaged file or a ZIP bomb",
                        at: SourceLocation(file: file))
                }
                try pipe.put(data)
            }
            guard UInt32(truncatingIfNeeded: checksum) == entry.checksum else {
                throw Archive.ArchiveError.invalidCRC32
            }
            return nil
        } catch is ChunkPipe.Closed {
            return nil
        } catch let error as MRABatError {
            return error
        } catch Archive.ArchiveError.invalidCRC32 {
            return MRABatError(
                .workbook, "part \(path) is damaged: its checksum (CRC-32) does not match",
                at: SourceLocation(file: file))
        } catch Archive.ArchiveError.invalidCompressionMethod {
            return MRABatError(
                .workbook, "part \(path) is compressed with a method other than deflate, which workbooks use",
                at: SourceLocation(file: file))
        } catch {
            return MRABatError(
                .workbook, "part \(path) cannot be inflated: the archive is damaged", at: SourceLocation(file: file),
                cause: String(describing: error))
        }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while offset == chunk.count {
            guard let next = try pipe.take() else { return 0 }
            chunk = next
            offset = 0
        }
        let count = min(buffer.count, chunk.count - offset)
        chunk.withUnsafeBytes { bytes in
            guard let source = bytes.baseAddress, let target = buffer.baseAddress else { return }
            target.copyMemory(from: source + offset, byteCount: count)
        }
        offset += count
        return count
    }
}

/// A bounded queue of chunks between an entry's inflating thread and its reader.
final class ChunkPipe: @unchecked Sendable {
    // @unchecked: every field is read and written under `condition`.
    static let chunkSize = 64 << 10
    /// Chunks the inflating thread may be ahead of the reader.
    static let capacity = 4

    struct Closed: Error {}

    private let condition = NSCondition()
    private var chunks: [Data] = []
    private var finished = false
    private var error: MRABatError?
    private var closed = false
    private var threadDone = false

    /// The inflating thread: queues `data`, waiting while the queue is full.
    /// - Throws: ``Closed`` once the reader has gone away.
    func put(_ data: Data) throws {
        condition.lock()
        defer { condition.unlock() }
        while chunks.count >= Self.capacity && !closed { condition.wait() }
        if closed { throw Closed() }
        chunks.append(data)
        condition.broadcast()
    }

    /// The inflating thread, last: the end of the entry, or the error that stopped it.
    func finish(_ error: MRABatError?) {
        condition.lock()
        finished = true
        threadDone = true
        self.error = error
        condition.broadcast()
        condition.unlock()
    }

    /// The reader: the next chunk, nil at the end.
    /// - Throws: the error that stopped the inflating thread.
    func take() throws -> Data? {
        condition.lock()
        defer { condition.unlock() }
        while chunks.isEmpty && !finished { condition.wait() }
        if !chunks.isEmpty {
            let first = chunks.removeFirst()
            condition.broadcast()
            return first
        }
        if let error { throw error }
        return nil
    }

    /// The reader is gone: stops the inflating thread and waits until it has finished.
    func close() {
        condition.lock()
        closed = true
        chunks.removeAll()
        condition.broadcast()
        while !threadDone { condition.wait() }
        condition.unlock()
    }
}
