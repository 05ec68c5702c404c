import ArgumentParser
import MRABatKit

/// `mrabat expire`: outstanding codes past their time to live become `expired` (cron it).
struct Expire: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Mark outstanding codes past their time to live expired (their secrets are erased).")

    @OptionGroup var store: StoreOptions
    @OptionGroup var clock: ClockOptions

    func run() async throws {
        let ended = try await store.open().expireCodes(now: clock.date)
        for code in ended {
            print("expired the code of \(code.deviceName) (time to live ended \(AuditTime.format(code.expiresAt)))")
        }
        print("\(ended.count) code(s) expired")
    }
}
