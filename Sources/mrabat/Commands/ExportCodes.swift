import ArgumentParser
import MRABatKit

/// `mrabat export-codes`: every outstanding, unexpired code, again.
struct ExportCodes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-codes",
        abstract: "Write every outstanding, unexpired activation code to a CSV file (mode 0600).")

    @OptionGroup var store: StoreOptions
    @OptionGroup var clock: ClockOptions

    @Option(name: .long, help: ArgumentHelp("The CSV file to write.", valueName: "file"))
    var out: String

    func run() async throws {
        let opened = try await store.open()
        let vault = try await store.openVault(for: opened)
        let count = try await ActivationCodeExport.write(
            store: opened, vault: vault, jobID: nil, now: clock.date, to: out)
        print("exported \(count) outstanding activation code(s) to \(out)")
    }
}
