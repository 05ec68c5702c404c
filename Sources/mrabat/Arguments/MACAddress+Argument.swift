import ArgumentParser
import MRABatKit

/// `--mac`: `001A2B3C4D5E`, `00:1a:2b:3c:4d:5e`, `00-1A-2B-3C-4D-5E` or `001a.2b3c.4d5e` — a phone's own
/// address, so never all-zero, broadcast or multicast (what validation refuses in a BAT file too).
extension MACAddress: ExpressibleByArgument {
    package init?(argument: String) {
        guard let mac = MACAddress(parsing: argument), mac.reserved == nil else { return nil }
        self = mac
    }
}
