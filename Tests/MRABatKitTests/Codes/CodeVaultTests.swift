import Foundation
import Testing

@testable import MRABatKit

extension CodesTests {
    @Suite struct CodeVaultTests {
        /// A fresh empty directory under the system temp directory.
        static func temporaryDirectory() throws -> URL {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("mrabat-vault-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            return url
        }

        static func permissions(_ path: String) throws -> Int {
            (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
        }

        @Test func createsKeyFileWithMode0600AndReopensIt() throws {
            let directory = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let path = directory.appendingPathComponent("codes.key").path
            let vault = try CodeVault.openOrCreate(keyFile: path)
            #expect(try Self.permissions(path) == 0o600)
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)).count == 32)
            // No temporary file is left behind.
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["codes.key"])

            let code = try ActivationCode.generate()
            let sealed = try vault.seal(code, associatedData: Array("ac1-x".utf8))
            let reopened = try CodeVault.openOrCreate(keyFile: path)
            #expect(try reopened.open(sealed, associatedData: Array("ac1-x".utf8)) == code)
        }

        @Test func concurrentCreatorsAgreeOnOneKey() async throws {
            let directory = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let path = directory.appendingPathComponent("codes.key").path
            let vaults = try await withThrowingTaskGroup(of: CodeVault.self) { group in
                for _ in 0..<8 { group.addTask { try CodeVault.openOrCreate(keyFile: path) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let code = try ActivationCode.generate()
            let sealed = try vaults[0].seal(code, associatedData: [])
            for vault in vaults { #expect(try vault.open(sealed, associatedData: []) == code) }
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["codes.key"])
        }

        @Test(arguments: [0o640, 0o604, 0o620, 0o644])
        func refusesKeyFileAccessibleByOthers(_ mode: Int) throws {
            let directory = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let path = directory.appendingPathComponent("codes.key").path
            _ = try CodeVault.openOrCreate(keyFile: path)
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
            let error = #expect(throws: MRABatError.self) { _ = try CodeVault.openOrCreate(keyFile: path) }
            #expect(error?.code == .crypto)
            #expect(error?.message.contains(path) == true)
            #expect(error?.message.contains("group or others") == true)
        }

        @Test(arguments: [0, 31, 33])
        func refusesKeyFileOfWrongSize(_ size: Int) throws {
            let directory = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let path = directory.appendingPathComponent("codes.key").path
            #expect(
                FileManager.default.createFile(
                    atPath: path, contents: Data(count: size),
                    attributes: [.posixPermissions: 0o600]))
            let error = #expect(throws: MRABatError.self) { _ = try CodeVault.openOrCreate(keyFile: path) }
            #expect(error?.message.contains(path) == true)
            #expect(error?.message.contains("\(size) bytes") == true)
        }

        @Test func missingDirectoryIsAnIOError() throws {
            let error = #expect(throws: MRABatError.self) {
                _ = try CodeVault.openOrCreate(keyFile: "/nonexistent-mrabat-dir/codes.key")
            }
            #expect(error?.code == .io)
        }

        @Test func sealOpenRoundTrip() throws {
            let vault = CodeVault(key: try SecureRandom.bytes(32))
            for code in try ActivationCode.generate(count: 50) + [ActivationCode("0000000000000000")!] {
                let sealed = try vault.seal(code, associatedData: [1, 2, 3])
                #expect(sealed.count == 44)
                #expect(try vault.open(sealed, associatedData: [1, 2, 3]) == code)
            }
        }

        @Test func sealingTwiceGivesDifferentBytes() throws {
            let vault = CodeVault(key: try SecureRandom.bytes(32))
            let code = try ActivationCode.generate()
            #expect(try vault.seal(code, associatedData: []) != vault.seal(code, associatedData: []))
        }

        @Test(arguments: [0, 12, 20, 30, 43])
        func tamperedByteFailsToOpen(_ index: Int) throws {
            let vault = CodeVault(key: try SecureRandom.bytes(32))
            var sealed = try vault.seal(try ActivationCode.generate(), associatedData: [9])
            sealed[index] ^= 0x80
            let error = #expect(throws: MRABatError.self) { _ = try vault.open(sealed, associatedData: [9]) }
            #expect(error?.code == .crypto)
            #expect(error?.message.contains("failed authentication") == true)
        }

        @Test func wrongKeyOrAssociatedDataOrLengthFails() throws {
            let vault = CodeVault(key: try SecureRandom.bytes(32))
            let other = CodeVault(key: try SecureRandom.bytes(32))
            let sealed = try vault.seal(try ActivationCode.generate(), associatedData: [9])
            #expect(throws: MRABatError.self) { _ = try other.open(sealed, associatedData: [9]) }
            #expect(throws: MRABatError.self) { _ = try vault.open(sealed, associatedData: [8]) }
            #expect(throws: MRABatError.self) { _ = try vault.open(Array(sealed.dropLast()), associatedData: [9]) }
        }

        @Test func usableFromManyTasks() async throws {
            let vault = CodeVault(key: try SecureRandom.bytes(32))
            let ok = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        for code in try ActivationCode.generate(count: 200) {
                            let sealed = try vault.seal(code, associatedData: Array(code.digits.utf8))
                            guard try vault.open(sealed, associatedData: Array(code.digits.utf8)) == code else {
                                return false
                            }
                        }
                        return true
                    }
                }
                return try await group.reduce(true) { $0 && $1 }
            }
            #expect(ok)
        }
    }
}
