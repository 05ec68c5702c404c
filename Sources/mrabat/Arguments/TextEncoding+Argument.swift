import ArgumentParser
import MRABatKit

/// `--encoding`: the raw values (`utf8`, `utf8BOM`, `utf16LE`, `utf16BE`, `windows1252`) and the
/// usual spellings (`utf-8`, `cp1252`, …) that ``TextEncoding/init(name:)`` knows.
extension TextEncoding: ExpressibleByArgument {
    package init?(argument: String) {
        self.init(name: argument)
    }
}
