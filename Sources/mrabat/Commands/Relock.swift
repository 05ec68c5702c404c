import ArgumentParser

/// `mrabat relock`: Option 2 — an activated phone needs a new code, bound to its MAC.
struct Relock: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-lock an activated phone (Option 2): it needs a new code, bound to its MAC, to activate again.")

    @OptionGroup var store: StoreOptions

    @Argument(help: "The activated device's name (SEP<MAC>).")
    var device: String

    func run() async throws {
        try await ReplaceCode.run(.relock, device: device, store: store)
    }
}
