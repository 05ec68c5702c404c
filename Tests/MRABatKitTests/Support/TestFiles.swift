import Foundation

/// Paths and temp folders for tests that use real files.
enum TestFiles {
    /// The package root, found from this source file.
    static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    static func path(_ relative: String) -> String { repositoryRoot.appendingPathComponent(relative).path }

    static var sampleCluster: String { path("SampleData/cluster.yaml") }

    /// A new, empty folder; never reused (recreating a just-deleted big folder is slow on these machines).
    static func makeTemporaryDirectory(_ label: String = "test") throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mrabat-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    static func write(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Writes `text` as a file named `name` in a fresh temp folder and returns its path.
    static func temporaryFile(_ name: String, _ text: String) throws -> String {
        let path = try makeTemporaryDirectory("file") + "/" + name
        try write(text, to: path)
        return path
    }
}
