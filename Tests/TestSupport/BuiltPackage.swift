import Foundation

/// Where the tests find the package's files and the `mrabat` binary they run.
package enum BuiltPackage {
    /// The package root, found from this source file.
    package static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        fatalError("Package.swift not found")
    }()

    /// `mrabat` sits beside the test bundle in the build folder.
    package static let binary: String = {
        let candidates = [
            Bundle.main.bundleURL, Bundle.main.executableURL?.deletingLastPathComponent(),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
        ].compactMap { $0 }
        for directory in candidates {
            var url = directory
            for _ in 0..<3 {
                let path = url.appendingPathComponent("mrabat").path
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                    return path
                }
                url.deleteLastPathComponent()
            }
        }
        fatalError("the mrabat binary was not found near \(candidates)")
    }()
}
