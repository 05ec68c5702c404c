/// Where in an input file something was found.
package struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file as the user named it.
    package var file: String
    /// 1-based physical line, if known.
    package var line: Int?
    /// 1-based column: a character column for syntax problems, a field number for values. In a
    /// workbook's sheet, the sheet column (1 is A), since a row's fields start at column A.
    package var column: Int?
    /// The sheet of a workbook (`.xlsx`, `.ods`); then ``line`` is the sheet row.
    package var sheet: String?

    package init(file: String, line: Int? = nil, column: Int? = nil, sheet: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.sheet = sheet
    }

    /// `file:line:column`, leaving out what is not known; in a workbook, the cell as
    /// `phones.xlsx[Sheet1]!C812` (or `phones.xlsx[Sheet1] row 812` for a whole row).
    package var description: String {
        var text = file
        if let sheet {
            text += "[\(sheet)]"
            if let line, line > 0 {
                if let column, column > 0 {
                    text += "!" + Self.columnName(column) + String(line)
                } else {
                    text += " row \(line)"
                }
            }
            return text
        }
        if let line { text += ":\(line)" }
        if let line = line, line > 0, let column { text += ":\(column)" }
        return text
    }

    /// A sheet column's letters: 1 is `A`, 27 is `AA`, 16384 is `XFD`.
    package static func columnName(_ column: Int) -> String {
        var letters: [UInt8] = []
        var rest = column
        while rest > 0 {
            rest -= 1
            letters.append(UInt8(ascii: "A") + UInt8(rest % 26))
            rest /= 26
        }
        return String(decoding: letters.reversed(), as: UTF8.self)
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
        /// A workbook (`.xlsx`, `.ods`) that cannot be read: not a ZIP archive, damaged, a ZIP bomb, bad XML.
        case workbook
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
