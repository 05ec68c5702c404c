import ArgumentParser
import Foundation
import MRABatKit

/// `mrabat selfcare`: Self-Care's *Phones Ready to Activate* page for one user.
struct SelfCare: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selfcare",
        abstract: "Self-Care's Phones Ready to Activate for a user: codes, expiry and QR images in an HTML page.")

    @OptionGroup var store: StoreOptions

    @Argument(help: "The owner user ID.")
    var user: String

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Output directory: index.html and one <device>.png QR image per phone (mode 0600).", valueName: "dir"))
    var out: String

    func run() async throws {
        let opened = try await store.open()
        let vault = try await store.openVault(for: opened)
        let entries = try await SelfCarePage.write(
            user: user, store: opened, vault: vault, cluster: try await opened.loadCluster(), outDirectory: out,
            now: Date())
        if entries.isEmpty { print("no phone of \(user) is ready to activate") }
        for entry in entries {
            let fields = [
                entry.deviceName, entry.model, entry.code.digits, "expires \(AuditTime.format(entry.expiresAt))",
                "\(out)/\(entry.imageFile)",
            ]
            print(fields.joined(separator: "  "))
        }
        print("wrote \(out)/index.html")
    }
}
