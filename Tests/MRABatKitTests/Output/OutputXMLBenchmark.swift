import Foundation
import Testing

@testable import MRABatKit

extension OutputXMLTests {
    /// Throughput figures, printed, never asserted; run by hand in a release build:
    /// `MRABAT_BENCH=1 swift test -c release --filter OutputXMLBenchmark`.
    ///
    /// Each run writes into a new directory: on the development machine, creating files right after
    /// deleting a large folder is about 12x slower for a few minutes, which would swamp the figures.
    @Suite("Output XML benchmark", .enabled(if: ProcessInfo.processInfo.environment["MRABAT_BENCH"] == "1"))
    struct OutputXMLBenchmark {
        static let count = 20_000

        static let configs: [PhoneConfig] = (0..<count).map { i in
            OutputFixtures.config(
                name: "BAT" + String(format: "%012X", 0xA0_0000_0000 + i), lineCount: 1 + i % 5, full: true,
                redirect: i % 2 == 0, seed: 100_000 + i * 10)
        }

        init() {
            // Build the inputs outside the timed blocks.
            _ = Self.configs.count
        }

        private func report(_ label: String, _ count: Int, _ duration: Duration) {
            let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
            print(
                "[bench] \(label): \(count) in \(String(format: "%.3f", seconds)) s = \(Int(Double(count) / seconds))/s"
            )
        }

        @Test func renderSerial() throws {
            let writer = TFTPConfigWriter()
            var bytes = 0
            let elapsed = try ContinuousClock().measure {
                for config in Self.configs { bytes += try writer.render(config).count }
            }
            report("render, 1 task (avg \(bytes / Self.count) bytes)", Self.count, elapsed)
        }

        @Test func renderParallel() async throws {
            let writer = TFTPConfigWriter()
            let tasks = ProcessInfo.processInfo.activeProcessorCount
            let configs = Self.configs
            let elapsed = try await ContinuousClock().measure {
                try await withThrowingTaskGroup(of: Int.self) { group in
                    let chunk = (configs.count + tasks - 1) / tasks
                    for start in stride(from: 0, to: configs.count, by: chunk) {
                        group.addTask {
                            try configs[start..<min(start + chunk, configs.count)].reduce(0) {
                                $0 + (try writer.render($1).count)
                            }
                        }
                    }
                    _ = try await group.reduce(0, +)
                }
            }
            report("render, \(tasks) tasks", Self.count, elapsed)
        }

        @Test func writeFiles() throws {
            for durable in [false, true] {
                let writer = TFTPConfigWriter(durable: durable)
                let dir = try OutputFixtures.freshDirectory("bench-write")
                let configs = durable ? Array(Self.configs.prefix(500)) : Self.configs
                let elapsed = try ContinuousClock().measure {
                    for config in configs { try writer.write(config, toDirectory: dir) }
                }
                report("write (memory + AtomicFile, durable \(durable)), 1 task", configs.count, elapsed)
            }
            let dir = try OutputFixtures.freshDirectory("bench-syncfs")
            let elapsed = try ContinuousClock().measure {
                for config in Self.configs { try TFTPConfigWriter().write(config, toDirectory: dir) }
                try AtomicFile.syncFileSystem(containing: dir)
            }
            report("write (non-durable) + one syncfs, 1 task", Self.count, elapsed)
        }

        @Test func writeFilesWithLibXML2FileWriter() throws {
            let writer = TFTPConfigWriter()
            let dir = try OutputFixtures.freshDirectory("bench-xmlfile")
            let elapsed = try ContinuousClock().measure {
                for config in Self.configs { _ = try writer.writeWithLibXML2File(config, toDirectory: dir) }
            }
            report("write (xmlNewTextWriterFilename + rename), 1 task", Self.count, elapsed)
        }

        @Test func writeFilesParallel() async throws {
            let writer = TFTPConfigWriter()
            let dir = try OutputFixtures.freshDirectory("bench-parallel")
            let tasks = ProcessInfo.processInfo.activeProcessorCount
            let configs = Self.configs
            let elapsed = try await ContinuousClock().measure {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    let chunk = (configs.count + tasks - 1) / tasks
                    for start in stride(from: 0, to: configs.count, by: chunk) {
                        group.addTask {
                            for config in configs[start..<min(start + chunk, configs.count)] {
                                try writer.write(config, toDirectory: dir)
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            report("write (memory + AtomicFile), \(tasks) tasks", Self.count, elapsed)
        }
    }
}
