import ArgumentParser

/// `mrabat regenerate`: a new code for a device that is not activated yet.
struct Regenerate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Give a device that is not activated a new code; its old code dies and its throttle is cleared.")

    @OptionGroup var store: StoreOptions

    @Argument(help: "The device name (BAT… or SEP…).")
    var device: String

    func run() async throws {
        try await ReplaceCode.run(.regenerate, device: device, store: store)
    }
}
