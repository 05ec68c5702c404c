/// The identifiers Unified CM puts in a config file — the device's `uuid` and each line's
/// `<contact>` GUID — derived, not stored: name-based UUIDs (RFC 9562 version 5, SHA-1) of the
/// cluster's name, the device's store id and the line's button.
///
/// A device keeps its id through every update and through activation (BAT→SEP rename), so its
/// file keeps the same identifiers across re-renders, as Unified CM keeps its database keys; a
/// device deleted and created again gets a new id and new identifiers. The cluster name keeps two
/// clusters' devices with the same id apart.
package enum PhoneConfigIdentity {
    /// The `uuid` attribute of `<device>`: lowercase, in braces, as Unified CM writes it.
    package static func deviceUUID(cluster: String, deviceID: Int64) -> String {
        "{" + uuid5("\(cluster)\u{0}device\u{0}\(deviceID)") + "}"
    }

    /// The `<contact>` of the line on `button`: lowercase, no braces, as Unified CM writes it.
    package static func lineContact(cluster: String, deviceID: Int64, button: Int) -> String {
        uuid5("\(cluster)\u{0}device\u{0}\(deviceID)\u{0}line\u{0}\(button)")
    }

    /// mrabat's namespace for these names: itself a version-5 UUID of `mrabat.cnf.xml` in
    /// RFC 9562's DNS namespace, so it is reproducible rather than arbitrary.
    static let namespace: [UInt8] = uuid5Bytes(
        namespace: [
            0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8,
        ], name: "mrabat.cnf.xml")

    static func uuid5(_ name: String) -> String {
        format(uuid5Bytes(namespace: namespace, name: name))
    }

    static func uuid5Bytes(namespace: [UInt8], name: String) -> [UInt8] {
        let hash: [UInt8]
        do {
            hash = try MessageDigest.sha1.hash([namespace, Array(name.utf8)])
        } catch {
            // Only an allocation failure inside OpenSSL gets here; a made-up identifier would be worse
            // than stopping (MessageDigest treats a missing SHA-1 the same way).
            fatalError("OpenSSL could not compute SHA-1: \(error)")
        }
        var bytes = Array(hash.prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50  // version 5
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 4122/9562 variant
        return bytes
    }

    /// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lowercase: the first 16 bytes, hyphens after bytes 4, 6, 8 and 10.
    ///
    /// Written into the string's own storage: six of these per five-line file, built from hex text,
    /// slices and a join, were ~5 % of `mrabat-bench config-files`' CPU (`perf record`).
    static func format(_ bytes: [UInt8]) -> String {
        precondition(bytes.count >= 16, "a UUID has 16 bytes")
        return String(unsafeUninitializedCapacity: 36) { text in
            var out = 0
            for index in 0..<16 {
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    text[out] = UInt8(ascii: "-")
                    out += 1
                }
                text[out] = hexDigits[Int(bytes[index] >> 4)]
                text[out + 1] = hexDigits[Int(bytes[index] & 0x0F)]
                out += 2
            }
            return out
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
