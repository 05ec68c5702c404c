import Foundation

/// The TFTP side of an activation: the phone's `SEP<MAC>.cnf.xml` in, the `BAT…` file out.
package enum ActivationConfigFile {
    /// What changed on disk.
    package struct Written: Sendable, Equatable {
        package var path: String
        /// The BAT file removed, if the device was renamed and its file existed.
        package var removed: String?
    }

    /// Writes the activated device's config file (with the redirect when its service domain is not
    /// the activation domain) durably under `DIR/tftp/`, then removes the file of its old name.
    ///
    /// Called after the activation committed, so no file names a device the store does not have.
    /// - Throws: ``MRABatError`` `.io` naming the path.
    package static func write(_ commit: ActivationCommit, cluster: ClusterConfig, outDirectory: String) throws
        -> Written
    {
        let out = try OutputDirectory(path: outDirectory)
        let path = try TFTPConfigWriter(durable: true).write(
            PhoneConfig(device: commit.device, cluster: cluster), toDirectory: out.tftpPath)
        guard commit.previousName != commit.device.name else { return Written(path: path, removed: nil) }
        let old = out.tftpPath + "/" + TFTPConfigWriter.fileName(for: commit.previousName)
        guard FileManager.default.fileExists(atPath: old) else { return Written(path: path, removed: nil) }
        do {
            try FileManager.default.removeItem(atPath: old)
        } catch {
            throw MRABatError(.io, "cannot remove \(old)", cause: (error as NSError).localizedDescription)
        }
        return Written(path: path, removed: old)
    }
}
