import Foundation
import MRABatKit
import Synchronization

/// The open handshakes between `start` and `finish`: bounded in number (overall and per code
/// record), each alive for at most ``ServeLimits/sessionTTL`` seconds and usable once.
final class ActivationSessions: Sendable {
    private struct Entry {
        var handshake: ActivationHandshake
        var expiresAt: TimeInterval
    }

    private struct Table {
        var entries: [String: Entry] = [:]
        var perIdentity: [String: Int] = [:]
    }

    enum OpenFailure: Error, Equatable {
        /// Every slot is taken; retry once the oldest expire.
        case full
        /// This code record has its maximum of open sessions.
        case tooManyForCode
    }

    private let limits: ServeLimits
    private let clock: @Sendable () -> TimeInterval
    private let table = Mutex(Table())

    init(limits: ServeLimits, clock: @escaping @Sendable () -> TimeInterval = { Date().timeIntervalSince1970 }) {
        self.limits = limits
        self.clock = clock
    }

    /// Opens a session for `handshake` and returns its id (16 random bytes, hex).
    func open(_ handshake: ActivationHandshake) throws -> String {
        let id = WireHex.encode(try SecureRandom.bytes(16))
        let now = clock()
        let identity = handshake.identity
        return try table.withLock { table in
            if table.entries.count >= limits.maxSessions { Self.sweep(&table, now: now) }
            guard table.entries.count < limits.maxSessions else { throw OpenFailure.full }
            if !handshake.isDecoy, table.perIdentity[identity, default: 0] >= limits.maxSessionsPerCode {
                Self.sweep(&table, now: now)
                guard table.perIdentity[identity, default: 0] < limits.maxSessionsPerCode else {
                    throw OpenFailure.tooManyForCode
                }
            }
            table.entries[id] = Entry(handshake: handshake, expiresAt: now + Double(limits.sessionTTL))
            table.perIdentity[identity, default: 0] += 1
            return id
        }
    }

    /// Takes the session `id` out (a session serves one `finish`); nil when unknown or expired.
    func take(_ id: String) -> ActivationHandshake? {
        let now = clock()
        return table.withLock { table in
            guard let entry = table.entries.removeValue(forKey: id) else { return nil }
            Self.release(&table, entry.handshake.identity)
            return entry.expiresAt > now ? entry.handshake : nil
        }
    }

    /// Drops expired sessions; called periodically and when the table is full.
    func sweep() {
        let now = clock()
        table.withLock { Self.sweep(&$0, now: now) }
    }

    var count: Int { table.withLock { $0.entries.count } }

    private static func sweep(_ table: inout Table, now: TimeInterval) {
        for (id, entry) in table.entries where entry.expiresAt <= now {
            table.entries.removeValue(forKey: id)
            release(&table, entry.handshake.identity)
        }
    }

    private static func release(_ table: inout Table, _ identity: String) {
        let left = table.perIdentity[identity, default: 1] - 1
        table.perIdentity[identity] = left > 0 ? left : nil
    }
}
