import CLibXML2

/// Process-wide libxml2 set-up.
package enum LibXML2 {
    // A Swift global/static `let` is initialised exactly once, under a lock, on first use: that is
    // the idempotent, thread-safe "call xmlInitParser() before any thread uses libxml2" it needs.
    private static let initialized: Void = { xmlInitParser() }()

    /// Initialises libxml2 once for the process; safe to call any number of times from any thread.
    ///
    /// libxml2 requires `xmlInitParser()` to have run before threads use it concurrently. Every type
    /// in this module that calls libxml2 calls this first, so callers need not.
    package static func initialize() {
        _ = initialized
    }
}
