import CLibZ
import Foundation
import TestSupport
import Testing

@testable import MRABatKit

@Suite("Self-Care QR codes")
struct SelfCareQRTests {
    @Test func chunkChecksumIsTheCRC32OfPNG() {
        // CRC-32 of "IEND" ends every PNG file; of "123456789", the standard check value.
        #expect(PNGImage.crc32(Array("IEND".utf8)) == 0xAE42_6082)
        #expect(PNGImage.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(PNGImage.crc32([]) == 0)
    }

    @Test func imageIsChunksWithValidChecksumsAndDeflatedRows() throws {
        let qr = try QRCode(encoding: "0123456789012345")
        let png = try PNGImage.encode(qr, scale: 8, border: 4)
        var chunks: [(type: String, data: [UInt8])] = []
        var offset = 8
        func u32(_ at: Int) -> UInt32 { png[at..<(at + 4)].reduce(0) { $0 << 8 | UInt32($1) } }
        while offset + 12 <= png.count {
            let length = Int(u32(offset))
            let typeAndData = Array(png[(offset + 4)..<(offset + 8 + length)])
            #expect(u32(offset + 8 + length) == PNGImage.crc32(typeAndData), "CRC of chunk at \(offset)")
            chunks.append((String(decoding: typeAndData.prefix(4), as: UTF8.self), Array(typeAndData.dropFirst(4))))
            offset += 12 + length
        }
        #expect(offset == png.count)
        #expect(chunks.map(\.type) == ["IHDR", "IDAT", "IEND"])
        // 21 modules and 4 on each side, 8 pixels each: 232 rows of 29 bytes, each after a filter byte.
        let side = (21 + 2 * 4) * 8
        let rowBytes = (side + 7) / 8
        let idat = try #require(chunks.first { $0.type == "IDAT" }?.data)
        var inflated = [UInt8](repeating: 0, count: (rowBytes + 1) * side + 1)
        var inflatedCount = uLong(inflated.count)
        #expect(uncompress(&inflated, &inflatedCount, idat, uLong(idat.count)) == Z_OK)
        #expect(Int(inflatedCount) == (rowBytes + 1) * side)
        #expect((0..<side).allSatisfy { inflated[$0 * (rowBytes + 1)] == 0 }, "every row has filter type none")
        // The quiet zone's first row is all white (1 bits), padding included.
        #expect(inflated[1...rowBytes].allSatisfy { $0 == 0xFF })
        #expect(idat.count < inflatedCount / 4, "deflated: \(idat.count) of \(inflatedCount) bytes")
    }

    @Test(arguments: ["0000000000000000", "9999999999999999", "0123456789012345"])
    func qrImageDecodesBackToTheCode(code: String) throws {
        let qr = try QRCode(encoding: code)
        #expect(qr.size == 21, "16 digits fit QR version 1")
        let png = try PNGImage.encode(qr)
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
