import ArgumentParser
import MRABatKit

/// `mrabat history`: a device's audit log.
struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a device's audit log: every lifecycle event, oldest first.")

    @OptionGroup var store: StoreOptions

    @Argument(help: "The device name, current (SEP…) or former (BAT…).")
    var device: String

    func run() async throws {
        for entry in try await store.open(.readOnly).history(device: device) {
            let fields = [
                AuditTime.format(entry.at), entry.deviceName ?? "-", entry.event, entry.outcome, entry.detail ?? "",
            ]
            print(fields.joined(separator: "  "))
        }
    }
}
