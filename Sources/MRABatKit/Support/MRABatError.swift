/// Where in an input file something was found.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file as the user named it.
    public var file: String
    /// 1-based physical line, if known.
    public var line: Int?
    /// 1-based column: a character column for syntax problems, a field number for values.
    public var column: Int?

    public init(file: String, line: Int? = nil, column: Int? = nil) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`, leaving out what is not known.
    public var description: String {
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
public struct MRABatError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is; decides the exit status.
    public enum Code: String, Sendable {
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
    public var exitStatus: Int32 {
        switch code {
        case .tooManyErrors: return ExitStatus.tooManyErrors
        case .store, .storeBusy: return ExitStatus.storeFailed
        case .activation: return ExitStatus.activationRefused
        case .outputAfterCommit: return ExitStatus.committedOutputsIncomplete
        case .internal: return ExitStatus.internalError
        default: return ExitStatus.nothingDone
        }
    }

    public var code: Code
    public var message: String
    public var location: SourceLocation?
    /// The offending value as read, if there is one.
    public var value: String?
    /// A lower-level cause (an OpenSSL or SQLite message), if any.
    public var cause: String?

    public init(
        _ code: Code, _ message: String, at location: SourceLocation? = nil, value: String? = nil,
        cause: String? = nil
    ) {
        self.code = code
        self.message = message
        self.location = location
        self.value = value
        self.cause = cause
    }

    public var description: String {
        var text = ""
        if let location { text += "\(location): " }
        text += message
        if let cause { text += " (\(cause))" }
        return text
    }
}

/// Every exit status `mrabat` uses, in one place.
public enum ExitStatus {
    /// Everything accepted (or unchanged).
    public static let ok: Int32 = 0
    /// Finished, some rows rejected (`check`: some prerequisite fails).
    public static let someRejected: Int32 = 1
    /// Nothing done: bad arguments, unreadable or malformed input, bad template or cluster
    /// configuration, unknown device, a read-only store, a command that does not apply.
    public static let nothingDone: Int32 = 2
    /// The store failed or another mrabat held it too long: retryable.
    public static let storeFailed: Int32 = 3
    /// Activation refused.
    public static let activationRefused: Int32 = 4
    /// Aborted by `--max-errors`: nothing committed.
    public static let tooManyErrors: Int32 = 5
    /// The job is committed but an output could not be written: re-run the same input to finish it.
    public static let committedOutputsIncomplete: Int32 = 6
    /// An internal error (a bug in mrabat).
    public static let internalError: Int32 = 70
}
