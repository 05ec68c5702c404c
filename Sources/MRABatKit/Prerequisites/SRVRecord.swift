import CSystemCalls
import Glibc

/// One DNS SRV record: where `_collab-edge._tls.<domain>` sends a phone.
package struct SRVRecord: Sendable, Equatable {
    package var priority: UInt16
    package var weight: UInt16
    package var port: UInt16
    /// The target host, without the trailing dot.
    package var target: String

    package init(priority: UInt16, weight: UInt16, port: UInt16, target: String) {
        self.priority = priority
        self.weight = weight
        self.port = port
        self.target = target
    }
}

/// Looks up SRV records (for `mrabat check --resolve`); a protocol so tests can answer without DNS.
package protocol SRVResolving: Sendable {
    /// The SRV records of `name`; empty when the name has none.
    /// - Throws: ``MRABatError`` `.io` when the lookup itself fails (no resolver, timeout).
    func lookup(_ name: String) throws -> [SRVRecord]
}

/// The system resolver (`res_query`, as configured by /etc/resolv.conf; its timeouts and attempts
/// bound the lookup).
package struct SystemSRVResolver: SRVResolving {
    package init() {}

    package func lookup(_ name: String) throws -> [SRVRecord] {
        var answer = [UInt8](repeating: 0, count: 4096)
        let length = res_query(name, Int32(ns_c_in.rawValue), Int32(ns_t_srv.rawValue), &answer, Int32(answer.count))
        guard length > 0 else {
            try Self.checkFailure(name, hostError: csystem_h_errno())
            return []
        }
        // A longer answer than the buffer is reported with its full length; parse what arrived.
        return try SRVRecord.parse(answer: Array(answer[..<min(Int(length), answer.count)]))
    }

    /// Decides what a failed `res_query` means from `h_errno`: NXDOMAIN (`HOST_NOT_FOUND`) and an
    /// empty answer (`NO_DATA`) both say the name has no record, which is an answer; anything
    /// else — a timeout, a server failure, no resolver — is a failed lookup.
    /// - Throws: ``MRABatError`` `.io` naming `name` for a failed lookup.
    static func checkFailure(_ name: String, hostError: Int32) throws {
        switch hostError {
        case HOST_NOT_FOUND, NO_DATA:
            return
        case TRY_AGAIN:
            throw MRABatError(.io, "the DNS lookup of \(name) failed", cause: "temporary failure or timeout")
        case NO_RECOVERY:
            throw MRABatError(.io, "the DNS lookup of \(name) failed", cause: "the server refused or failed")
        default:
            throw MRABatError(.io, "the DNS lookup of \(name) failed", cause: "resolver error \(hostError)")
        }
    }
}

extension SRVRecord {
    /// The SRV records in a DNS answer message (RFC 1035 §4, RFC 2782), in answer order, parsed
    /// with libresolv's `ns_initparse`/`ns_parserr`; records of other types (a CNAME on the way)
    /// are skipped.
    ///
    /// - Throws: ``MRABatError`` `.io` if the message is truncated or malformed (libresolv checks
    ///   every length and compression pointer).
    package static func parse(answer message: [UInt8]) throws -> [SRVRecord] {
        func malformed(_ what: String) -> MRABatError {
            MRABatError(.io, "malformed DNS answer (\(message.count) bytes): \(what)")
        }
        return try message.withUnsafeBufferPointer { bytes -> [SRVRecord] in
            guard let base = bytes.baseAddress else { throw malformed("empty") }
            var handle = ns_msg()
            guard ns_initparse(base, Int32(bytes.count), &handle) == 0 else { throw malformed("bad header or section") }
            var records: [SRVRecord] = []
            for index in 0..<csystem_ns_msg_count(&handle, ns_s_an) {
                var record = ns_rr()
                guard ns_parserr(&handle, ns_s_an, index, &record) == 0 else {
                    throw malformed("answer \(index + 1) cannot be read")
                }
                guard csystem_ns_rr_type(&record) == Int32(ns_t_srv.rawValue) else { continue }
                guard let data = csystem_ns_rr_rdata(&record), csystem_ns_rr_rdlen(&record) > 6 else {
                    throw malformed("answer \(index + 1) is too short for an SRV record")
                }
                var target = [CChar](repeating: 0, count: Int(NS_MAXDNAME))
                let used = ns_name_uncompress(
                    csystem_ns_msg_base(&handle), csystem_ns_msg_end(&handle), data + 6, &target, target.count)
                guard used > 0, used == csystem_ns_rr_rdlen(&record) - 6 else {
                    throw malformed("answer \(index + 1) has a bad target name")
                }
                records.append(
                    SRVRecord(
                        priority: UInt16(truncatingIfNeeded: ns_get16(data)),
                        weight: UInt16(truncatingIfNeeded: ns_get16(data + 2)),
                        port: UInt16(truncatingIfNeeded: ns_get16(data + 4)),
                        target: Self.name(target)))
            }
            return records
        }
    }

    /// The NUL-terminated name `ns_name_uncompress` wrote, without a trailing dot (it writes the
    /// root as `.`, other names without one).
    private static func name(_ buffer: [CChar]) -> String {
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.hasSuffix(".") ? String(name.dropLast()) : name
    }
}
