import ArgumentParser
import Foundation
import MRABatKit

/// `mrabat release`: a device's outstanding code stops working.
struct Release: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Release a device's outstanding code: it no longer activates.")

    @OptionGroup var store: StoreOptions

    @Argument(help: "The device name (BAT… or SEP…).")
    var device: String

    func run() async throws {
        let ended = try await store.open().releaseCode(deviceNamed: device, now: Date())
        print(
            "released the activation code of \(ended.deviceName) "
                + "(it would have expired \(AuditTime.format(ended.expiresAt)))")
    }
}
