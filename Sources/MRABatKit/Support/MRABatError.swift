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
