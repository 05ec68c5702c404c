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

    @Test func temporaryFilesOfALiveJobAreLeftAlone() async throws {
        let folder = try folderWithLeftovers()
        do {
            // Another job holds the directory (a second descriptor conflicts like another process).
            let live = try OutputDirectory(path: folder.path)
            for name in folder.stale { try TestFiles.write("x", to: folder.path + "/" + name) }
            let second = try OutputDirectory(path: folder.path)
            #expect(present(folder.path, folder.stale) == folder.stale, "removed a live job's temporary files")
            withExtendedLifetime((live, second)) {}
        }
        // Once both are gone, the next job is alone again. A child process that another test starts at
        // that moment holds a copy of the lock's descriptor until its exec closes it (O_CLOEXEC), so the
        // next job is tried again for up to 2 s (CI once met that window); a lock never released fails.
        for _ in 0..<200 {
            _ = try OutputDirectory(path: folder.path)
            if present(folder.path, folder.stale).isEmpty { break }
            try await Task.sleep(for: .milliseconds(10))
        }
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

/// `--out` is where files go: a link inside it is refused before the job starts, never followed.
@Suite("The output directory: symbolic links")
struct OutputDirectoryLinkTests {
    /// A fresh `--out`, and a folder outside it that a link points to.
    func folders() throws -> (out: String, elsewhere: String) {
        let base = try TestFiles.makeTemporaryDirectory("outlink")
        try FileManager.default.createDirectory(atPath: base + "/out", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: base + "/elsewhere", withIntermediateDirectories: true)
        return (base + "/out", base + "/elsewhere")
    }

    @Test func aSymlinkedTFTPFolderIsRefused() throws {
        let (out, elsewhere) = try folders()
        try FileManager.default.createSymbolicLink(atPath: out + "/tftp", withDestinationPath: elsewhere)
        let error = try #require(throws: MRABatError.self) { _ = try OutputDirectory(path: out) }
        #expect(error.code == .io)
        #expect(error.exitStatus == ExitStatus.nothingDone)
        #expect(error.message.contains("tftp in the output directory is a symbolic link (to \(elsewhere))"))
        #expect(error.location?.file == out + "/tftp")
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere).isEmpty)
    }

    @Test(arguments: ["activation-codes.csv", "rejects.csv", "summary.json"])
    func aSymlinkedFileIsRefused(name: String) throws {
        let (out, elsewhere) = try folders()
        let target = elsewhere + "/" + name
        try TestFiles.write("precious\n", to: target)
        try FileManager.default.createSymbolicLink(atPath: out + "/" + name, withDestinationPath: target)
        let error = try #require(throws: MRABatError.self) { _ = try OutputDirectory(path: out) }
        #expect(error.message.contains("\(name) in the output directory is a symbolic link"))
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "precious\n")
        #expect(!FileManager.default.fileExists(atPath: out + "/tftp"), "nothing created")
    }

    @Test func aDanglingLinkIsRefusedToo() throws {
        let (out, elsewhere) = try folders()
        try FileManager.default.createSymbolicLink(atPath: out + "/tftp", withDestinationPath: elsewhere + "/none")
        #expect(throws: MRABatError.self) { _ = try OutputDirectory(path: out) }
        #expect(!FileManager.default.fileExists(atPath: elsewhere + "/none"))
    }

    @Test func anEntryOfTheWrongKindIsRefused() throws {
        let (out, _) = try folders()
        try FileManager.default.createDirectory(atPath: out + "/rejects.csv", withIntermediateDirectories: true)
        let error = try #require(throws: MRABatError.self) { _ = try OutputDirectory(path: out) }
        #expect(error.message.contains("rejects.csv in the output directory is not a regular file"))
    }

    @Test func outItselfMayBeALinkAndExistingFilesAreFine() throws {
        let (out, elsewhere) = try folders()
        try FileManager.default.createDirectory(atPath: out + "/tftp", withIntermediateDirectories: true)
        try TestFiles.write("old", to: out + "/rejects.csv")
        let link = elsewhere + "/out-link"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: out)
        let outputs = try OutputDirectory(path: link)
        #expect(outputs.tftpPath == link + "/tftp")
        withExtendedLifetime(outputs) {}
    }
}
