import ArgumentParser

/// `--max-errors`: how many rejected rows a job tolerates before it is abandoned, 0 or more.
struct ErrorLimit: ExpressibleByArgument, Equatable {
    let value: Int

    init?(argument: String) {
        guard let value = Int(argument), value >= 0 else { return nil }
        self.value = value
    }
}
