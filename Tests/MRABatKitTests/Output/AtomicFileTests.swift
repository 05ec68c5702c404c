import Foundation
import Testing

@testable import MRABatKit

extension OutputXMLTests {
    @Suite("Atomic file writes")
    struct AtomicFileTests {
        private func mode(_ path: String) throws -> Int? {
            try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        }

        @Test(
            "write leaves only the final file, with its content and mode; unnamed (O_TMPFILE) or named temporary",
            arguments: [false, true], [false, true])
        func writeBytes(durable: Bool, unnamed: Bool) throws {
            let dir = try OutputFixtures.freshDirectory("atomic")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let path = dir + "/activation-codes.csv"
            let bytes = Array("Device Name,Activation Code\nBAT0A1B2C3D4E5F,1234567890123456\n".utf8)
            try AtomicFile.write(bytes, to: path, mode: 0o600, durable: durable, unnamed: unnamed)
            #expect(try OutputFixtures.contents(of: dir) == ["activation-codes.csv"])
            #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == bytes)
            #expect(try mode(path) == 0o600)

            // Replacing keeps exactly one file with the new content, in a new inode (a reader holding
            // the old file open keeps reading the old bytes).
            let before = try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int
            let reader = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            try AtomicFile.write(Array("new\n".utf8), to: path, mode: 0o600, durable: durable, unnamed: unnamed)
            #expect(try OutputFixtures.contents(of: dir) == ["activation-codes.csv"])
            #expect(try String(contentsOfFile: path, encoding: .utf8) == "new\n")
            #expect(try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int != before)
            #expect(try reader.readToEnd().map { [UInt8]($0) } == bytes)
            try reader.close()
        }

        @Test("the unnamed path is taken on this file system: O_TMPFILE and /proc/self/fd work here")
        func unnamedIsAvailable() throws {
            let dir = try OutputFixtures.freshDirectory("unnamed")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            #expect(try AtomicFile.writeUnnamed(Array("x".utf8), to: dir + "/a.xml", mode: 0o640, durable: false))
            #expect(try OutputFixtures.contents(of: dir) == ["a.xml"])
            #expect(try mode(dir + "/a.xml") == 0o640)
        }

        @Test("the temporary file has the final mode from creation on, next to the target")
        func temporaryFileMode() throws {
            let dir = try OutputFixtures.freshDirectory("mode")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let writer = try AtomicFileWriter(path: dir + "/secret.csv", mode: 0o600)
            #expect(writer.temporaryPath.hasPrefix(dir + "/.secret.csv.tmp."))
            #expect(try OutputFixtures.contents(of: dir).count == 1)
            #expect(try mode(writer.temporaryPath) == 0o600)
            #expect(!FileManager.default.fileExists(atPath: writer.path))
            try writer.commit(durable: false)
            #expect(try OutputFixtures.contents(of: dir) == ["secret.csv"])
        }

        @Test("streaming writes larger than the buffer arrive whole and in order", arguments: [1, 7, 4096, 1 << 16])
        func streaming(bufferSize: Int) throws {
            let dir = try OutputFixtures.freshDirectory("stream")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let path = dir + "/big.csv"
            let writer = try AtomicFileWriter(path: path, mode: 0o644, bufferSize: bufferSize)
            var expected: [UInt8] = []
            for i in 0..<20_000 {
                let row = "row \(i),\(String(repeating: "x", count: i % 97))\n"
                try writer.write(row)
                expected += Array(row.utf8)
            }
            try writer.write([UInt8](repeating: 0x41, count: 200_000))
            expected += [UInt8](repeating: 0x41, count: 200_000)
            #expect(!FileManager.default.fileExists(atPath: path), "nothing under the final name before commit")
            try writer.commit(durable: true)
            #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == expected)
            #expect(try OutputFixtures.contents(of: dir) == ["big.csv"])
        }

        @Test("a writer dropped without commit leaves nothing behind, and an old file untouched")
        func abandonedOnDeinit() throws {
            let dir = try OutputFixtures.freshDirectory("abandon")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            do {
                let writer = try AtomicFileWriter(path: dir + "/rejects.csv")
                try writer.write("LINE,REASON\n")
                #expect(try OutputFixtures.contents(of: dir).count == 1)
            }
            #expect(try OutputFixtures.contents(of: dir).isEmpty)

            try AtomicFile.write(Array("old\n".utf8), to: dir + "/rejects.csv")
            let writer = try AtomicFileWriter(path: dir + "/rejects.csv")
            try writer.write("half a new fi")
            writer.abandon()
            writer.abandon()
            #expect(try OutputFixtures.contents(of: dir) == ["rejects.csv"])
            #expect(try String(contentsOfFile: dir + "/rejects.csv", encoding: .utf8) == "old\n")
        }

        @Test("an error thrown by the streaming body removes the temporary file")
        func bodyThrows() throws {
            struct Stop: Error {}
            let dir = try OutputFixtures.freshDirectory("throw")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            #expect(throws: Stop.self) {
                try AtomicFile.write(to: dir + "/export.csv", mode: 0o600) { out in
                    try out.write("header\n")
                    throw Stop()
                }
            }
            #expect(try OutputFixtures.contents(of: dir).isEmpty)
            try AtomicFile.write(to: dir + "/export.csv", mode: 0o600, durable: true) { try $0.write("ok\n") }
            #expect(try String(contentsOfFile: dir + "/export.csv", encoding: .utf8) == "ok\n")
        }

        @Test("a missing directory is an .io error naming the path and the reason", arguments: [false, true])
        func missingDirectory(unnamed: Bool) throws {
            let base = try OutputFixtures.freshDirectory("gone")
            defer { try? FileManager.default.removeItem(atPath: base) }
            let dir = base + "/missing"
            let error = try #require(throws: MRABatError.self) {
                try AtomicFile.write(
                    [1, 2, 3], to: dir + "/activation-codes.csv", mode: 0o600, durable: true, unnamed: unnamed)
            }
            #expect(error.code == .io)
            #expect(error.location?.file == dir + "/activation-codes.csv")
            #expect(error.description.contains("directory \(dir) does not exist"))
            #expect(error.cause == "No such file or directory")
        }

        @Test("a target that is a directory fails on rename and cleans up", arguments: [false, true])
        func renameFails(unnamed: Bool) throws {
            let dir = try OutputFixtures.freshDirectory("rename")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try FileManager.default.createDirectory(atPath: dir + "/taken/inner", withIntermediateDirectories: true)
            let error = try #require(throws: MRABatError.self) {
                try AtomicFile.write(Array("x".utf8), to: dir + "/taken", unnamed: unnamed)
            }
            #expect(error.code == .io)
            #expect(error.message.contains("rename"))
            #expect(try OutputFixtures.contents(of: dir) == ["taken"])
        }

        @Test("syncing the file system works on a directory and names a missing path")
        func syncFileSystem() throws {
            let dir = try OutputFixtures.freshDirectory("syncfs")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try AtomicFile.syncFileSystem(containing: dir)
            let error = try #require(throws: MRABatError.self) {
                try AtomicFile.syncFileSystem(containing: dir + "/absent")
            }
            #expect(error.location?.file == dir + "/absent")
        }

        @Test("syncing a file's directory works and names the file when its directory is missing")
        func syncDirectory() throws {
            let dir = try OutputFixtures.freshDirectory("syncdir")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try AtomicFile.syncDirectory(of: dir + "/file.xml")
            let error = try #require(throws: MRABatError.self) {
                try AtomicFile.syncDirectory(of: dir + "/absent/file.xml")
            }
            #expect(error.code == .io)
            #expect(error.location?.file == dir + "/absent/file.xml")
            #expect(error.message == "cannot open directory \(dir)/absent to sync it")
            #expect(error.cause == String(cString: strerror(ENOENT)))
        }

        @Test("paths are split into directory and name")
        func split() {
            #expect(AtomicFileWriter.split("a/b/c.xml") == ("a/b", "c.xml"))
            #expect(AtomicFileWriter.split("c.xml") == ("", "c.xml"))
            #expect(AtomicFileWriter.split("/c.xml") == ("/", "c.xml"))
        }
    }
}
