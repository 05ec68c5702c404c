import Foundation
import Glibc

/// Renders a ``PhoneConfig`` as the phone's TFTP file `<deviceName>.cnf.xml` and writes it atomically.
///
/// Stateless and `Sendable`: every call builds its own document buffer, so one value can be
/// shared by all the tasks of a task group. Output is byte-stable — the same config always gives the
/// same bytes, `versionStamp` included (``VersionStamp``: a digest of the rest of the file, not a
/// time), so a re-run that changes nothing rewrites identical files and a phone sees a new stamp
/// exactly when its file changed. The layout is in `PhoneConfig+XML.swift` and is checked by
/// `Templates/device-config.xsd`.
///
/// Rendering goes to memory (``XMLDocumentWriter``) and the file is written with ``AtomicFile``: the
/// stamp is known only once the rest of the document is.
package struct TFTPConfigWriter: Sendable {
    /// `fsync` each file and its directory before reporting it written.
    package var durable: Bool
    /// Permission bits of the files; a TFTP server must be able to read them.
    package var mode: mode_t

    package init(durable: Bool = false, mode: mode_t = 0o644) {
        self.durable = durable
        self.mode = mode
    }

    /// The file name of a device's configuration: `<deviceName>.cnf.xml`.
    package static func fileName(for deviceName: String) -> String {
        deviceName + ".cnf.xml"
    }

    /// The complete file: XML declaration, UTF-8, indented by two spaces, ending in a newline.
    ///
    /// - Throws: ``MRABatError`` `.xml` if a text field holds a character XML cannot represent.
    package func render(_ config: PhoneConfig) throws -> [UInt8] {
        try Self.renderElements(config)
    }

    /// ``render(_:)``: the document written element by element (``ConfigRenderer`` fills templates
    /// recorded from this instead).
    static func renderElements(_ config: PhoneConfig) throws -> [UInt8] {
        let xml = XMLDocumentWriter(subject: config.deviceName)
        try config.writeXML(to: xml)
        return try xml.finish()
    }

    /// Renders `config` and writes it to `dir/<deviceName>.cnf.xml` via a temporary file and a rename.
    ///
    /// A reader of the directory never sees a half-written file under the final name; on failure the
    /// temporary file is removed.
    /// - Returns: The path written.
    /// - Throws: ``MRABatError`` `.io` naming the path (e.g. a missing directory), or `.xml`.
    /// - Parameter renderer: renders from templates (many files at once); nil renders element by element.
    @discardableResult
    package func write(_ config: PhoneConfig, toDirectory dir: String, renderer: ConfigRenderer? = nil) throws
        -> String
    {
        let bytes = try renderer?.render(config) ?? render(config)
        let path = Self.join(dir, Self.fileName(for: config.deviceName))
        try AtomicFile.write(bytes, to: path, mode: mode, durable: durable)
        return path
    }

    /// Writes `config` like ``write(_:toDirectory:)`` unless the file there already holds exactly
    /// its bytes: a device a job found unchanged keeps its file untouched (same inode and time), while
    /// a file that is missing or stale (a job killed before its outputs) is written.
    /// - Returns: whether the file was written.
    @discardableResult
    package func writeIfChanged(_ config: PhoneConfig, toDirectory dir: String, renderer: ConfigRenderer? = nil)
        throws -> Bool
    {
        let bytes = try renderer?.render(config) ?? render(config)
        let path = Self.join(dir, Self.fileName(for: config.deviceName))
        if let current = FileManager.default.contents(atPath: path), current.elementsEqual(bytes) { return false }
        try AtomicFile.write(bytes, to: path, mode: mode, durable: durable)
        return true
    }

    /// Removes `dir/<deviceName>.cnf.xml` if it is there.
    /// - Returns: whether a file was removed.
    /// - Throws: ``MRABatError`` `.io` naming the path if it exists and cannot be removed.
    @discardableResult
    package static func remove(deviceName: String, fromDirectory dir: String) throws -> Bool {
        let path = join(dir, fileName(for: deviceName))
        if unlink(path) == 0 { return true }
        guard errno == ENOENT else { throw AtomicFileWriter.error(errno, path, "cannot remove the config file") }
        return false
    }

    private static func join(_ dir: String, _ name: String) -> String {
        dir.isEmpty ? name : (dir.hasSuffix("/") ? dir + name : dir + "/" + name)
    }
}

/// The `<versionStamp>` of a config file: `<n>-<uuid>`, shaped like Unified CM's
/// `<epoch seconds>-<uuid>`, but both parts come from the SHA-256 of the file with the stamp's
/// text left out (n: the first 4 bytes as a decimal number; the UUID: the next 16, as hex).
///
/// So it changes exactly when the rest of the file changes, and rendering twice gives the same
/// bytes. A phone only compares stamps; nothing reads a time out of it.
package enum VersionStamp {
    /// The stamp of a document whose stamp text sits between `head` and `tail`.
    static func stamp(head: UnsafeRawBufferPointer, tail: UnsafeRawBufferPointer) throws -> String {
        let digest = try MessageDigest.sha256.hash([head, tail])
        let number = digest.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return "\(number)-" + PhoneConfigIdentity.format(Array(digest[4..<20]))
    }

    /// Inserts the stamp of `document` at `offset`, where the empty `<versionStamp>`'s text goes.
    static func fill(_ document: inout [UInt8], at offset: Int) throws {
        let text = try document.withUnsafeBytes { all in
            try stamp(
                head: UnsafeRawBufferPointer(rebasing: all[..<offset]),
                tail: UnsafeRawBufferPointer(rebasing: all[offset...]))
        }
        document.insert(contentsOf: text.utf8, at: offset)
    }

    /// Whether the document's `<versionStamp>` is the stamp of the rest of it (for tests and checks).
    package static func isValid(in document: [UInt8]) -> Bool {
        let open = Array("<versionStamp>".utf8)
        let close = Array("</versionStamp>".utf8)
        guard let start = firstRange(of: open, in: document),
            let end = firstRange(of: close, in: document, from: start + open.count)
        else { return false }
        let textStart = start + open.count
        let written = String(decoding: document[textStart..<end], as: UTF8.self)
        let expected = try? document.withUnsafeBytes { all in
            try stamp(
                head: UnsafeRawBufferPointer(rebasing: all[..<textStart]),
                tail: UnsafeRawBufferPointer(rebasing: all[end...]))
        }
        return written == expected
    }

    private static func firstRange(of needle: [UInt8], in haystack: [UInt8], from: Int = 0) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        var index = from
        while index <= haystack.count - needle.count {
            if haystack[index] == first && haystack[index..<index + needle.count].elementsEqual(needle) {
                return index
            }
            index += 1
        }
        return nil
    }
}
