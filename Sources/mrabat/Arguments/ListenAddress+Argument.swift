import ArgumentParser
import MRABatServer

/// `--listen`, `--config-listen`: `HOST:PORT`, `:PORT` (every interface) or `[IPv6]:PORT`.
extension ListenAddress: ExpressibleByArgument {
    package init?(argument: String) {
        self.init(parsing: argument)
    }
}
