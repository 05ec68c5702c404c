import Foundation
import Testing

@testable import MRABatKit

/// A timing check run by hand, not an assertion (timings on shared machines are noise):
///
///     MRABAT_CSV_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter CSVThroughput
///
/// It writes a ~100 MB BAT-like CSV to a temporary directory and prints MB/s for encoding
/// detection and for reading every record.
@Suite("CSV throughput (by hand)", .enabled(if: ProcessInfo.processInfo.environment["MRABAT_CSV_BENCH"] != nil))
struct CSVThroughputCheck {
    @Test func readLargeFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("large.csv")
        FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        let header =
            "MAC ADDRESS,DESCRIPTION,DEVICE TYPE,DEVICE POOL,OWNER USER ID,DIRECTORY NUMBER 1,DISPLAY 1,"
            + "LINE TEXT LABEL 1,PARTITION 1,LOCATION,CSS\r\n"
        try handle.write(contentsOf: Data(header.utf8))
        var rows = 0
        var block = ""
        for index in 0..<800_000 {
            let mac = String(format: "00AB%08X", index)
            block +=
                "\(mac),\"Lobby, floor \(index % 40) \"\"east\"\"\",Cisco 8845,Dallas-Main,user\(index),"
                + "+1972555\(index % 10000),Jürgen Müller,Ext \(index % 10000),PT_Internal,Hub_None,CSS_Intl\r\n"
            rows += 1
            if block.utf8.count > 1 << 20 {
                try handle.write(contentsOf: Data(block.utf8))
                block = ""
            }
        }
        try handle.write(contentsOf: Data(block.utf8))
        try handle.close()
        let size = Double(try FileManager.default.attributesOfItem(atPath: url.path)[.size] as! Int)

        let clock = ContinuousClock()
        var encoding = TextEncoding.utf8
        let detect = try clock.measure { encoding = try TextEncoding.detect(path: url.path) }
        var records = 0
        var fields = 0
        let read = try clock.measure {
            var reader = try CSVReader(source: FileByteSource(path: url.path), encoding: encoding, file: url.path)
            while let record = try reader.next() {
                records += 1
                fields += record.fields.count
            }
        }
        func rate(_ duration: Duration) -> String {
            let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
            return String(format: "%.0f MB/s (%.2f s)", size / 1e6 / seconds, seconds)
        }
        print("CSV throughput: \(Int(size / 1e6)) MB, \(records) records, \(fields) fields")
        print("  detect: \(rate(detect))")
        print("  read:   \(rate(read))")
        #expect(records == rows + 1)
    }
}
