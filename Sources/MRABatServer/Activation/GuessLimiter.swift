import Foundation
import Synchronization

/// Fixed-window counters of failed attempts per client address, per MAC and overall, and of starts
/// per code record (see ``ServeLimits`` for the policy).
///
/// ``check(address:mac:)`` runs before the store is read and depends only on failures already
/// recorded, so its answer carries no information about the request's own identity. All counters
/// start again each window, so memory is bounded by what one window can record: failures stop being
/// recorded once the global budget is spent.
final class GuessLimiter: Sendable {
    /// Why a request was turned away, and for how long.
    struct Limited: Error, Sendable, Equatable {
        /// `address`, `mac`, `global`, `code`, `login`.
        var scope: String
        /// Seconds until the window ends (at least 1).
        var retryAfter: Int
    }

    private struct Window {
        var index: Int64 = -1
        var byAddress: [String: Int] = [:]
        var byMAC: [String: Int] = [:]
        var global = 0
        var startsByCode: [String: Int] = [:]
        var loginsByAddress: [String: Int] = [:]
    }

    private let limits: ServeLimits
    private let clock: @Sendable () -> TimeInterval
    private let state = Mutex(Window())

    init(limits: ServeLimits, clock: @escaping @Sendable () -> TimeInterval = { Date().timeIntervalSince1970 }) {
        self.limits = limits
        self.clock = clock
    }

    /// Whether a start or finish from `address` for `mac` may go on.
    func check(address: String, mac: String?) -> Limited? {
        withWindow { window, retryAfter in
            if window.global >= limits.guessesGlobal { return Limited(scope: "global", retryAfter: retryAfter) }
            let own = window.byAddress[address, default: 0]
            if own >= limits.guessesPerAddress { return Limited(scope: "address", retryAfter: retryAfter) }
            // An address with no failure of its own is spared the MAC's budget (a stranger elsewhere
            // cannot hold a real phone back); the address and global budgets still bound it.
            if let mac, own > 0, window.byMAC[mac, default: 0] >= limits.guessesPerMAC {
                return Limited(scope: "mac", retryAfter: retryAfter)
            }
            return nil
        }
    }

    /// Counts one failed attempt (an unknown identity, a wrong proof).
    func recordFailure(address: String, mac: String?) {
        withWindow { window, _ in
            window.global += 1
            window.byAddress[address, default: 0] += 1
            if let mac { window.byMAC[mac, default: 0] += 1 }
        }
    }

    /// Counts a start for a real code record; refuses once the code's budget for the window is spent.
    func chargeStart(code identity: String) -> Limited? {
        withWindow { window, retryAfter in
            let starts = window.startsByCode[identity, default: 0]
            if starts >= limits.startsPerCode { return Limited(scope: "code", retryAfter: retryAfter) }
            window.startsByCode[identity] = starts + 1
            return nil
        }
    }

    /// Whether `address` may try another Self-Care login.
    func checkLogin(address: String) -> Limited? {
        withWindow { window, retryAfter in
            window.loginsByAddress[address, default: 0] >= limits.loginsPerAddress
                ? Limited(scope: "login", retryAfter: retryAfter) : nil
        }
    }

    /// Counts a failed Self-Care login.
    func recordFailedLogin(address: String) {
        withWindow { window, _ in window.loginsByAddress[address, default: 0] += 1 }
    }

    private func withWindow<T>(_ body: (inout Window, Int) -> T) -> T {
        let now = clock()
        let length = Double(limits.guessWindow)
        let index = Int64((now / length).rounded(.down))
        let retryAfter = max(1, Int((Double(index + 1) * length - now).rounded(.up)))
        return state.withLock { window in
            if window.index != index { window = Window(index: index) }
            return body(&window, retryAfter)
        }
    }
}
