import ArgumentParser
import Foundation
import Glibc
import MRABatKit

/// The config-file stage's parts, one thread, on the devices of a store an insert wrote: resolving
/// each device against the cluster (`PhoneConfig`), rendering its bytes, and writing its file.
///
/// A microbenchmark for the `tftp` stage: it isolates what a change to rendering saves from the
/// file system's cost, which a whole insert's stage figure mixes with the machine's noise.
struct ConfigFilesBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config-files",
        abstract: "Time PhoneConfig, rendering and file writes per device, one thread, on a store's job.")

    @Option(help: "A store an insert wrote (e.g. a benchmark run's insert-100000/mrabat.sqlite).") var db: String
    @Option(help: "The job whose devices to use.") var job: Int64 = 1
    @Option(help: "Devices to use at most.") var count: Int = 20000
    @Option(help: "Rounds of resolving and rendering.") var rounds: Int = 3
    @Option(help: "Scratch folder for the written files (a fresh subfolder is made).") var work: String =
        "/tmp/mrabat-bench"

    func run() async throws {
        let store = try SQLiteStore(path: db, readOnly: true)
        let cluster = try await store.loadCluster()
        var devices: [StoredDevice] = []
        var after = 0
        while devices.count < count {
            let page = try await store.jobDevices(jobID: job, afterLine: after, limit: min(2048, count - devices.count))
            guard let last = page.last else { break }
            after = last.line
            devices += page.map(\.device)
        }
        guard !devices.isEmpty else { throw BenchError("job \(job) of \(db) has no devices") }
        let writer = TFTPConfigWriter()
        var configs: [PhoneConfig] = []
        var bytes = 0
        for round in 0..<rounds {
            let resolveStart = ContinuousClock.now
            configs = devices.map { PhoneConfig(device: $0, cluster: cluster) }
            let resolved = ContinuousClock.now - resolveStart
            let identityStart = ContinuousClock.now
            var identifiers = 0
            for device in devices {
                identifiers += PhoneConfigIdentity.deviceUUID(cluster: cluster.name, deviceID: device.id).utf8.count
                for line in device.lines {
                    identifiers +=
                        PhoneConfigIdentity.lineContact(cluster: cluster.name, deviceID: device.id, button: line.index)
                        .utf8.count
                }
            }
            let identified = ContinuousClock.now - identityStart
            let renderStart = ContinuousClock.now
            bytes = 0
            for config in configs { bytes += try writer.render(config).count }
            let rendered = ContinuousClock.now - renderStart
            let templateStart = ContinuousClock.now
            let renderer = ConfigRenderer()
            for config in configs { _ = try renderer.render(config) }
            let filled = ContinuousClock.now - templateStart
            if round == 0 { print("shapes: \(renderer.shapes.met), with a template: \(renderer.shapes.templated)") }
            let each = Double(devices.count)
            print(
                String(
                    format:
                        "round %d: %d devices, PhoneConfig %.2f µs, render element by element %.2f µs, from templates %.2f µs per device (%.0f bytes)",
                    round + 1, devices.count, micros(resolved) / each, micros(rendered) / each, micros(filled) / each,
                    Double(bytes) / each))
            print(
                String(
                    format: "    of PhoneConfig, the device's and its lines' UUIDs: %.2f µs per device (%d characters)",
                    micros(identified) / each, identifiers))
        }
        let directory = work + "/config-files-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let writeStart = ContinuousClock.now
        let renderer = ConfigRenderer()
        for config in configs { _ = try writer.write(config, toDirectory: directory, renderer: renderer) }
        let written = ContinuousClock.now - writeStart
        print(
            String(
                format: "render from templates and write: %.2f µs per file into %@",
                micros(written) / Double(configs.count),
                directory))
    }
}

private func micros(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e6 + Double(duration.components.attoseconds) / 1e12
}
