import Foundation
import TestSupport
import Testing

@testable import MRABatKit

@Suite("Self-Care QR codes")
struct SelfCareQRTests {
    @Test func checksumsMatchTheirSpecifications() {
        // CRC-32 of "IEND" is in every PNG; Adler-32 of "Wikipedia" is the textbook example.
        #expect(PNGImage.crc32(Array("IEND".utf8)) == 0xAE42_6082)
        #expect(PNGImage.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)
    }

    @Test func storedDeflateSplitsLargeDataIntoBlocks() {
        let data = [UInt8](repeating: 7, count: 70_000)
        let stream = PNGImage.zlibStored(data)
        // Header, two blocks of 5 header bytes each, the data, Adler-32.
        #expect(stream.count == 2 + 5 * 2 + 70_000 + 4)
        #expect(stream[2] == 0, "first block is not final")
        #expect(stream[2 + 5 + 65_535] == 1, "second block is final")
    }

    @Test(arguments: ["0000000000000000", "9999999999999999", "0123456789012345"])
    func qrImageDecodesBackToTheCode(code: String) throws {
        let qr = try QRCode(encoding: code)
        #expect(qr.size == 21, "16 digits fit QR version 1")
        let png = PNGImage.encode(qr)
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let path = try TestFiles.makeTemporaryDirectory("qr") + "/code.png"
        try Data(png).write(to: URL(fileURLWithPath: path))
        #expect(try zbar(path) == [code])
    }

    @Test func pageListsTheUsersReadyPhonesWithDecodableQRCodes() async throws {
        let f = try await LifecycleFixture.make()
        let out = f.directory + "/selfcare"
        // One of alice's two phones activates first: only the other is still ready.
        #expect(try await f.refusal(try f.code(pool: "DP-NewYork"), mac: "0011223344AB") == nil)
        let entries = try await SelfCarePage.write(
            user: "alice", store: f.store, vault: f.vault, cluster: f.cluster, outDirectory: out, now: Date())
        let dallas = try f.name(pool: "DP-Dallas")
        #expect(entries.map(\.deviceName) == [dallas])
        #expect(entries[0].code == f.codes[dallas])
        #expect(try zbar(out + "/" + entries[0].imageFile) == [f.codes[dallas]!.digits])
        let html = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
        #expect(html.contains("<img src=\"\(dallas).png\""))
        let digits = f.codes[dallas]!.digits
        #expect(html.contains("\(digits.prefix(4)) \(digits.dropFirst(4).prefix(4))"))
        #expect(html.contains("Alice desk"))
        #expect(!html.contains("SEP0011223344AB"))
        for file in ["index.html", entries[0].imageFile] {
            let mode = try FileManager.default.attributesOfItem(atPath: out + "/" + file)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file)")
        }
    }

    @Test func hiddenWhenTheClusterDoesNotShowPhonesReadyToActivate() async throws {
        let f = try await LifecycleFixture.make { $0.enterprise.showPhonesReadyToActivate = false }
        let error = await #expect(throws: MRABatError.self) {
            try await SelfCarePage.write(
                user: "alice", store: f.store, vault: f.vault, cluster: f.cluster, outDirectory: f.directory + "/sc",
                now: Date())
        }
        #expect(error?.message.contains("showPhonesReadyToActivate: true") == true)
        #expect(!FileManager.default.fileExists(atPath: f.directory + "/sc/index.html"))
        let unknown = await #expect(throws: MRABatError.self) {
            try await SelfCarePage.write(
                user: "nobody", store: f.store, vault: f.vault,
                cluster: {
                    var c = f.cluster
                    c.enterprise.showPhonesReadyToActivate = true
                    return c
                }(), outDirectory: f.directory + "/sc", now: Date())
        }
        #expect(unknown?.code == .notFound)
    }

    @Test func htmlEscapesWhatUsersTyped() {
        #expect(
            SelfCarePage.escape("<b>\"Tom & Jerry's\"</b>") == "&lt;b&gt;&quot;Tom &amp; Jerry&#39;s&quot;&lt;/b&gt;")
    }
}
