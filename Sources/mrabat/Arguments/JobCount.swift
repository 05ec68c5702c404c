import ArgumentParser

/// `--jobs`: how many code-issuance tasks run at once, 1 or more.
struct JobCount: ExpressibleByArgument, Equatable {
    let value: Int

    init?(argument: String) {
        guard let value = Int(argument), value >= 1 else { return nil }
        self.value = value
    }
}
