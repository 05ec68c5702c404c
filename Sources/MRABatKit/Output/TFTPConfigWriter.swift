import Foundation
import Glibc

/// Renders a ``PhoneConfig`` as the phone's TFTP file `<deviceName>.cnf.xml` and writes it atomically.
///
/// Stateless and `Sendable`: every call builds its own libxml2 writer and buffer, so one value can be
/// shared by all the tasks of a task group. Output is byte-stable — the same config always gives the
/// same bytes (no timestamps, no version stamps), so a re-run that changes nothing rewrites
/// identical files. The layout is in `PhoneConfig+XML.swift` and is checked by
/// `Templates/device-config.xsd`.
///
/// Rendering goes to memory and the file is written with ``AtomicFileWriter``; libxml2's own
/// file writer (`xmlNewTextWriterFilename`) was measured and is not faster, and it cannot create
/// the file with `O_EXCL` and a chosen mode.
package struct TFTPConfigWriter: Sendable {
    /// `fsync` each file and its directory before reporting it written.
    package var durable: Bool
    /// Permission bits of the files; a TFTP server must be able to read them.
    package var mode: mode_t

    package init(durable: Bool = false, mode: mode_t = 0o644) {
        self.durable = durable
        self.mode = mode
        LibXML2.initialize()
    }

    /// The file name of a device's configuration: `<deviceName>.cnf.xml`.
    package static func fileName(for deviceName: String) -> String {
        deviceName + ".cnf.xml"
    }

    /// The complete file: XML declaration, UTF-8, indented by two spaces, ending in a newline.
    ///
    /// - Throws: ``MRABatError`` `.xml` if a text field holds a character XML cannot represent.
    package func render(_ config: PhoneConfig) throws -> [UInt8] {
        let xml = try XMLDocumentWriter(.memory, subject: config.deviceName)
        try config.writeXML(to: xml)
        return try xml.finish()
    }

    /// Renders `config` and writes it to `dir/<deviceName>.cnf.xml` via a temporary file and a rename.
    ///
    /// A reader of the directory never sees a half-written file under the final name; on failure the
    /// temporary file is removed.
    /// - Returns: The path written.
    /// - Throws: ``MRABatError`` `.io` naming the path (e.g. a missing directory), or `.xml`.
    @discardableResult
    package func write(_ config: PhoneConfig, toDirectory dir: String) throws -> String {
        let bytes = try render(config)
        let path = Self.join(dir, Self.fileName(for: config.deviceName))
        try AtomicFile.write(bytes, to: path, mode: mode, durable: durable)
        return path
    }

    /// Writes `config` like ``write(_:toDirectory:)`` unless the file there already holds exactly
    /// its bytes: a device a job found unchanged keeps its file untouched (same inode and time), while
    /// a file that is missing or stale (a job killed before its outputs) is written.
    /// - Returns: whether the file was written.
    @discardableResult
    package func writeIfChanged(_ config: PhoneConfig, toDirectory dir: String) throws -> Bool {
        let bytes = try render(config)
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

    /// Writes through libxml2's own file writer (`xmlNewTextWriterFilename`) and renames; only for
    /// comparing speed with ``write(_:toDirectory:)``.
    func writeWithLibXML2File(_ config: PhoneConfig, toDirectory dir: String) throws -> String {
        let path = Self.join(dir, Self.fileName(for: config.deviceName))
        let temporary = Self.join(
            dir, ".\(Self.fileName(for: config.deviceName)).tmp.\(UInt32.random(in: .min ... .max))")
        do {
            let xml = try XMLDocumentWriter(.file(temporary), subject: config.deviceName)
            try config.writeXML(to: xml)
            _ = try xml.finish()
        } catch {
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw AtomicFileWriter.error(errno, path, "cannot rename into place")
        }
        return path
    }

    private static func join(_ dir: String, _ name: String) -> String {
        dir.isEmpty ? name : (dir.hasSuffix("/") ? dir + name : dir + "/" + name)
    }
}
