import Foundation
import Synchronization

/// Counters of failed attempts per client address, per MAC and overall, of starts per code record and
/// of failed Self-Care logins per address (see ``ServeLimits`` for the policy).
///
/// Each counter has its own window, which begins with the first event it counts and lasts
/// ``ServeLimits/guessWindow`` seconds; `Retry-After` is the rest of that counter's window. A burst
/// that starts afresh, at any instant, gets exactly one budget in the window that follows; windows
/// aligned to the clock gave a burst begun just before a boundary two budgets in an instant.
///
/// ``check(address:mac:)`` runs before the store is read and depends only on failures already
/// recorded, so its answer carries no information about the request's own identity. Memory is bounded
/// by what two windows can record: counters whose window is over are swept once per window length, and
/// failures stop being recorded while the global budget is spent.
final class GuessLimiter: Sendable {
    /// Why a request was turned away, and for how long.
    struct Limited: Error, Sendable, Equatable {
        /// `address`, `mac`, `global`, `code`, `login`.
        var scope: String
        /// Seconds until the counter's window ends (at least 1).
        var retryAfter: Int
    }

    /// Events counted since `start`, the first of them.
    private struct Counter {
        var start: TimeInterval
        var count: Int
    }

    private struct Counters {
        var byAddress: [String: Counter] = [:]
        var byMAC: [String: Counter] = [:]
        var global: Counter?
        var startsByCode: [String: Counter] = [:]
        var loginsByAddress: [String: Counter] = [:]
        var nextSweep: TimeInterval = -.infinity
    }

    private let limits: ServeLimits
    private let clock: @Sendable () -> TimeInterval
    private let state = Mutex(Counters())

    init(limits: ServeLimits, clock: @escaping @Sendable () -> TimeInterval = { Date().timeIntervalSince1970 }) {
        self.limits = limits
        self.clock = clock
    }

    /// Whether a start or finish from `address` for `mac` may go on.
    func check(address: String, mac: String?) -> Limited? {
        withCounters { counters, window in
            if let limited = window.spent(counters.global, limits.guessesGlobal, "global") { return limited }
            let own = counters.byAddress[address]
            if let limited = window.spent(own, limits.guessesPerAddress, "address") { return limited }
            // An address with no failure of its own is spared the MAC's budget (a stranger elsewhere
            // cannot hold a real phone back); the address and global budgets still bound it.
            if let mac, window.count(own) > 0 {
                return window.spent(counters.byMAC[mac], limits.guessesPerMAC, "mac")
            }
            return nil
        }
    }

    /// Counts one failed attempt (an unknown identity, a wrong proof).
    func recordFailure(address: String, mac: String?) {
        withCounters { counters, window in
            // Once the global budget is spent, every request is refused before it can fail again.
            guard window.spent(counters.global, limits.guessesGlobal, "global") == nil else { return }
            window.add(to: &counters.global)
            window.add(to: &counters.byAddress[address])
            if let mac { window.add(to: &counters.byMAC[mac]) }
        }
    }

    /// Counts a start for a real code record; refuses once the code's budget for its window is spent.
    func chargeStart(code identity: String) -> Limited? {
        withCounters { counters, window in
            if let limited = window.spent(counters.startsByCode[identity], limits.startsPerCode, "code") {
                return limited
            }
            window.add(to: &counters.startsByCode[identity])
            return nil
        }
    }

    /// Whether `address` may try another Self-Care login.
    func checkLogin(address: String) -> Limited? {
        withCounters { counters, window in
            window.spent(counters.loginsByAddress[address], limits.loginsPerAddress, "login")
        }
    }

    /// Counts a failed Self-Care login.
    func recordFailedLogin(address: String) {
        withCounters { counters, window in window.add(to: &counters.loginsByAddress[address]) }
    }

    /// The instant a request is judged at, and the window length.
    private struct Now {
        var time: TimeInterval
        var length: TimeInterval

        func isOpen(_ counter: Counter) -> Bool { time < counter.start + length }

        /// The counter's count if its window is still open, else 0.
        func count(_ counter: Counter?) -> Int { counter.map { isOpen($0) ? $0.count : 0 } ?? 0 }

        /// A refusal when the counter's open window has `budget` events already.
        func spent(_ counter: Counter?, _ budget: Int, _ scope: String) -> Limited? {
            guard let counter, isOpen(counter), counter.count >= budget else { return nil }
            return Limited(scope: scope, retryAfter: max(1, Int((counter.start + length - time).rounded(.up))))
        }

        /// Counts one event, opening a new window when the counter has none open.
        func add(to counter: inout Counter?) {
            if let open = counter, isOpen(open) {
                counter?.count = open.count + 1
            } else {
                counter = Counter(start: time, count: 1)
            }
        }
    }

    private func withCounters<T>(_ body: (inout Counters, Now) -> T) -> T {
        let now = Now(time: clock(), length: Double(limits.guessWindow))
        return state.withLock { counters in
            if now.time >= counters.nextSweep {
                let open = now.isOpen
                counters.byAddress = counters.byAddress.filter { open($0.value) }
                counters.byMAC = counters.byMAC.filter { open($0.value) }
                counters.startsByCode = counters.startsByCode.filter { open($0.value) }
                counters.loginsByAddress = counters.loginsByAddress.filter { open($0.value) }
                counters.nextSweep = now.time + now.length
            }
            return body(&counters, now)
        }
    }
}
