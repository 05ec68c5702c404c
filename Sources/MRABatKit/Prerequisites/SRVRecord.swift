#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One DNS SRV record: where `_collab-edge._tls.<domain>` sends a phone.
public struct SRVRecord: Sendable, Equatable {
    public var priority: UInt16
    public var weight: UInt16
    public var port: UInt16
    /// The target host, without the trailing dot.
    public var target: String

    public init(priority: UInt16, weight: UInt16, port: UInt16, target: String) {
        self.priority = priority
        self.weight = weight
        self.port = port
        self.target = target
    }
}

/// Looks up SRV records (for `mrabat check --resolve`); a protocol so tests can answer without DNS.
public protocol SRVResolving: Sendable {
    /// The SRV records of `name`; empty when the name has none.
    /// - Throws: ``MRABatError`` `.io` when the lookup itself fails (no resolver, timeout).
    func lookup(_ name: String) throws -> [SRVRecord]
}

#if os(Linux)
    // glibc has had res_query in libc itself since 2.34; <resolv.h> is not part of the Swift overlay.
    @_silgen_name("res_query")
    private func systemResQuery(
        _ name: UnsafePointer<CChar>, _ queryClass: Int32, _ type: Int32, _ answer: UnsafeMutablePointer<UInt8>,
        _ length: Int32
    ) -> Int32

    // h_errno is per thread; glibc exposes it through this function.
    @_silgen_name("__h_errno_location")
    private func systemHErrnoLocation() -> UnsafeMutablePointer<Int32>
#endif

/// The system resolver (`res_query`, as configured by /etc/resolv.conf).
public struct SystemSRVResolver: SRVResolving {
    public init() {}

    public func lookup(_ name: String) throws -> [SRVRecord] {
        #if os(Linux)
            let classIN: Int32 = 1
            let typeSRV: Int32 = 33
            let hostNotFound: Int32 = 1
            let noData: Int32 = 4
            var answer = [UInt8](repeating: 0, count: 4096)
            let length = systemResQuery(name, classIN, typeSRV, &answer, Int32(answer.count))
            guard length > 0 else {
                // NXDOMAIN and "no data" both mean there is no record; anything else is a failed lookup.
                let reason = systemHErrnoLocation().pointee
                if reason == hostNotFound || reason == noData { return [] }
                throw MRABatError(
                    .io, "the DNS lookup of \(name) failed",
                    cause: reason == 2 ? "temporary failure or timeout" : "resolver error \(reason)")
            }
            return try SRVRecord.parse(answer: Array(answer[..<min(Int(length), answer.count)]))
        #else
            throw MRABatError(.io, "SRV lookups are implemented on Linux only")
        #endif
    }
}

extension SRVRecord {
    /// The SRV records in a DNS answer message (RFC 1035 §4, RFC 2782), in answer order.
    ///
    /// - Throws: ``MRABatError`` `.io` if the message is truncated or malformed.
    public static func parse(answer message: [UInt8]) throws -> [SRVRecord] {
        func malformed() -> MRABatError { MRABatError(.io, "malformed DNS answer (\(message.count) bytes)") }
        func u16(_ at: Int) throws -> UInt16 {
            guard at + 2 <= message.count else { throw malformed() }
            return UInt16(message[at]) << 8 | UInt16(message[at + 1])
        }
        /// Reads a possibly compressed name at `offset`; returns it and the offset after it in place.
        func name(at offset: Int) throws -> (String, Int) {
            var labels: [String] = []
            var position = offset
            var end: Int?
            var jumps = 0
            while true {
                guard position < message.count else { throw malformed() }
                let length = Int(message[position])
                if length == 0 {
                    return (labels.joined(separator: "."), end ?? position + 1)
                } else if length & 0xC0 == 0xC0 {
                    let pointer = Int(try u16(position) & 0x3FFF)
                    if end == nil { end = position + 2 }
                    jumps += 1
                    guard jumps < 64 else { throw malformed() }
                    position = pointer
                } else {
                    guard position + 1 + length <= message.count else { throw malformed() }
                    labels.append(String(decoding: message[(position + 1)...(position + length)], as: UTF8.self))
                    position += 1 + length
                }
            }
        }
        let questions = Int(try u16(4))
        let answers = Int(try u16(6))
        var position = 12
        for _ in 0..<questions { position = try name(at: position).1 + 4 }
        var records: [SRVRecord] = []
        for _ in 0..<answers {
            position = try name(at: position).1
            let type = try u16(position)
            let dataLength = Int(try u16(position + 8))
            let data = position + 10
            guard data + dataLength <= message.count else { throw malformed() }
            if type == 33 {
                records.append(
                    SRVRecord(
                        priority: try u16(data), weight: try u16(data + 2), port: try u16(data + 4),
                        target: try name(at: data + 6).0))
            }
            position = data + dataLength
        }
        return records
    }
}
