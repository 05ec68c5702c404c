import Foundation
import Testing

@testable import MRABatKit

@Suite("The output directory")
struct OutputDirectoryTests {
    /// A folder with a killed job's leftovers next to files that must stay.
    func folderWithLeftovers() throws -> (path: String, stale: [String], kept: [String]) {
        let path = try TestFiles.makeTemporaryDirectory("outdir")
        try FileManager.default.createDirectory(atPath: path + "/tftp", withIntermediateDirectories: true)
        let stale = [
            ".rejects.csv.tmp.73ec5575897a5057", ".activation-codes.csv.tmp.5f8e19696c6d2712",
            "tftp/.SEP0A0000000000.cnf.xml.tmp.1f", "tftp/.BAT0123456789AB.cnf.xml.tmp.3735928559",
        ]
        let kept = [
            "rejects.csv", ".keep", ".tmp.abc", ".notes.tmp.", ".notes.tmp.xyz", "notes.tmp.abc",
            "tftp/SEP0A0000000000.cnf.xml", "tftp/.hidden",
        ]
        for name in stale + kept { try TestFiles.write("x", to: path + "/" + name) }
        return (path, stale, kept)
    }

    func present(_ path: String, _ names: [String]) -> [String] {
        names.filter { FileManager.default.fileExists(atPath: path + "/" + $0) }
    }

    @Test func aJobAloneRemovesTemporaryFilesAKilledJobLeft() throws {
        let folder = try folderWithLeftovers()
        let outputs = try OutputDirectory(path: folder.path)
        #expect(present(folder.path, folder.stale) == [])
        #expect(present(folder.path, folder.kept) == folder.kept)
        withExtendedLifetime(outputs) {}
    }

    @Test func temporaryFilesOfALiveJobAreLeftAlone() throws {
        let folder = try folderWithLeftovers()
        do {
            // Another job holds the directory (a second descriptor conflicts like another process).
            let live = try OutputDirectory(path: folder.path)
            for name in folder.stale { try TestFiles.write("x", to: folder.path + "/" + name) }
            let second = try OutputDirectory(path: folder.path)
            #expect(present(folder.path, folder.stale) == folder.stale, "removed a live job's temporary files")
            withExtendedLifetime((live, second)) {}
        }
        // Once both are gone, the next job is alone again.
        _ = try OutputDirectory(path: folder.path)
        #expect(present(folder.path, folder.stale) == [])
    }

    @Test(arguments: [
        (".rejects.csv.tmp.0", true), (".a.tmp.ABCdef09", true), (".tmp.abc", false), (".a.tmp.", false),
        (".a.tmp.g1", false), ("a.tmp.1", false), ("..tmp.1", false),
    ])
    func temporaryFileNames(name: String, isTemporary: Bool) {
        #expect(OutputDirectory.isTemporaryFileName(name) == isTemporary)
    }
}
