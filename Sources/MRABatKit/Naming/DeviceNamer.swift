/// Names devices: `SEP<MAC>` when the MAC is known, else `BAT` + 12 random uppercase hex digits.
///
/// Random names come from OpenSSL's CSPRNG. Uniqueness is the caller's to enforce against the
/// store (a unique index) and the batch (``DeviceNamer`` remembers what it handed out).
public struct DeviceNamer: Sendable {
    private var issued: Set<String> = []

    public init() {}

    /// A fresh `BAT…` name that this namer has not handed out and `isTaken` rejects.
    ///
    /// - Parameter isTaken: asks the store; called again on (astronomically rare) collisions.
    public mutating func dummyName(isTaken: (String) throws -> Bool = { _ in false }) throws -> String {
        while true {
            let bytes = try SecureRandom.bytes(6)
            let name = "BAT" + Self.upperHex(bytes)
            if issued.contains(name) { continue }
            if try isTaken(name) { continue }
            issued.insert(name)
            return name
        }
    }

    /// Records a name handed out elsewhere (a `SEP…` name) so dummy names never repeat it.
    public mutating func reserve(_ name: String) { issued.insert(name) }

    /// Whether `name` is a BAT dummy name (`BAT` + 12 uppercase hex).
    public static func isDummyName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard bytes.count == 15, name.hasPrefix("BAT") else { return false }
        return bytes[3...].allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x46) }
    }

    static func upperHex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
