/// Where in an input file something was found.
package struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file as the user named it.
    package var file: String
    /// 1-based physical line, if known.
    package var line: Int?
    /// 1-based column: a character column for syntax problems, a field number for values.
    package var column: Int?

    package init(file: String, line: Int? = nil, column: Int? = nil) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`, leaving out what is not known.
    package var description: String {
        var text = file
        if let line { text += ":\(line)" }
        if let line = line, line > 0, let column { text += ":\(column)" }
        return text
    }
}

/// The one error type the library throws: a code, a message a user can act on, and where.
///
/// The executable prints ``description`` and maps ``Code`` to an exit status; it never
/// shows a Swift dump.
package struct MRABatError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is; decides the exit status.
    package enum Code: String, Sendable {
        case usage, io, encoding, csvSyntax, csvStructure, config, template, validation
        case store, storeBusy, crypto, xml, activation, notFound
        /// `--max-errors` was exceeded: the job was abandoned.
        case tooManyErrors
        /// The store cannot be written (read-only file or directory): not retryable, fix permissions.
        case storeReadOnly
        /// The job is committed, but an output (config file, code export) could not be written; a
        /// re-run of the same input finishes it.
        case outputAfterCommit
        /// A failure mrabat did not anticipate (a bug): reported, never a Swift dump.
        case `internal`
    }

    /// The process exit status for this error (see the README's table; `mrabat --help` lists them).
    package var exitStatus: Int32 {
        switch code {
        case .tooManyErrors: return ExitStatus.tooManyErrors
        case .store, .storeBusy: return ExitStatus.storeFailed
        case .activation: return ExitStatus.activationRefused
        case .outputAfterCommit: return ExitStatus.committedOutputsIncomplete
        case .internal: return ExitStatus.internalError
        default: return ExitStatus.nothingDone
        }
    }

    package var code: Code
    package var message: String
    package var location: SourceLocation?
    /// The offending value as read, if there is one.
    package var value: String?
    /// A lower-level cause (an OpenSSL or SQLite message), if any.
    package var cause: String?

    package init(
        _ code: Code, _ message: String, at location: SourceLocation? = nil, value: String? = nil,
        cause: String? = nil
    ) {
        self.code = code
        self.message = message
        self.location = location
        self.value = value
        self.cause = cause
    }

    package var description: String {
        var text = ""
        if let location { text += "\(location): " }
        text += message
        if let cause { text += " (\(cause))" }
        return text
    }
}

/// Every exit status `mrabat` uses, in one place.
package enum ExitStatus {
    /// Everything accepted (or unchanged).
    package static let ok: Int32 = 0
    /// Finished, some rows rejected (`check`: some prerequisite fails).
    package static let someRejected: Int32 = 1
    /// Nothing done: bad arguments, unreadable or malformed input, bad template or cluster
    /// configuration, unknown device, a read-only store, a command that does not apply.
    package static let nothingDone: Int32 = 2
    /// The store failed or another mrabat held it too long: retryable.
    package static let storeFailed: Int32 = 3
    /// Activation refused.
    package static let activationRefused: Int32 = 4
    /// Aborted by `--max-errors`: nothing committed.
    package static let tooManyErrors: Int32 = 5
    /// The job is committed but an output could not be written: re-run the same input to finish it.
    package static let committedOutputsIncomplete: Int32 = 6
    /// An internal error (a bug in mrabat).
    package static let internalError: Int32 = 70
}
