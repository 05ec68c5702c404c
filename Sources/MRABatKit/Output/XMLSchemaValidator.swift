import CLibXML2
import Glibc
import Synchronization

/// One problem found while checking a document against a schema.
package struct XMLValidationIssue: Sendable, Hashable, CustomStringConvertible {
    /// The document as the caller named it.
    package var file: String
    /// 1-based line of the offending node, if libxml2 knows it.
    package var line: Int?
    /// libxml2's message, e.g. `Element 'device', attribute 'name': [facet 'pattern'] …`.
    package var message: String
    /// `false` for warnings, which do not make a document invalid.
    package var isError: Bool

    package var description: String {
        SourceLocation(file: file, line: line).description + ": " + message
    }
}

/// Checks XML documents against an XML Schema (XSD) with libxml2, collecting every problem with
/// its line number instead of printing to stderr.
///
/// Loading the schema is the costly part; keep one validator and reuse it. It is `Sendable`:
/// validations are serialised by a lock, because libxml2 does not document a parsed schema as safe
/// to share between concurrent validation contexts.
package final class XMLSchemaValidator: @unchecked Sendable {
    // @unchecked: `schema` is written once in init and then only used under `lock`.
    private let schema: xmlSchemaPtr
    private let lock = Mutex(())
    /// The schema file, for messages.
    package let schemaPath: String

    /// Loads and compiles the schema at `schemaPath`.
    ///
    /// - Throws: ``MRABatError`` `.xml` listing the schema's own errors, or `.io` if it cannot be read.
    package init(schemaPath: String) throws {
        LibXML2.initialize()
        self.schemaPath = schemaPath
        // libxml2 would print a warning to stderr for an unreadable file; say it once, properly.
        if access(schemaPath, R_OK) != 0 {
            throw MRABatError(
                .io, "cannot read the XML schema", at: SourceLocation(file: schemaPath),
                cause: String(cString: strerror(errno)))
        }
        guard let parser = xmlSchemaNewParserCtxt(schemaPath) else {
            throw MRABatError(.io, "cannot read the XML schema", at: SourceLocation(file: schemaPath))
        }
        defer { xmlSchemaFreeParserCtxt(parser) }
        let issues = IssueCollector(file: schemaPath)
        xmlSchemaSetParserStructuredErrors(
            parser, { context, error in IssueCollector.record(context, error?.pointee) },
            Unmanaged.passUnretained(issues).toOpaque())
        let parsed = withExtendedLifetime(issues) { xmlSchemaParse(parser) }
        guard let parsed else {
            let first = issues.issues.first(where: \.isError)
            throw MRABatError(
                .xml, "invalid XML schema: " + (first?.message ?? "libxml2 could not compile it"),
                at: SourceLocation(file: schemaPath, line: first?.line))
        }
        schema = parsed
    }

    deinit {
        xmlSchemaFree(schema)
    }

    /// Parses and validates the file at `path`; an empty result means it is well-formed and valid.
    ///
    /// A file that cannot be read gives one issue saying why (libxml2 would print that to stderr).
    package func validate(fileAt path: String) -> [XMLValidationIssue] {
        switch Self.readFile(path) {
        case .success(let bytes):
            return validate(bytes, name: path)
        case .failure(let error):
            return [
                XMLValidationIssue(
                    file: path, line: nil, message: error.message + " (\(error.cause ?? ""))", isError: true)
            ]
        }
    }

    /// Parses and validates a document held in memory; `name` is used in the issues.
    package func validate(_ bytes: [UInt8], name: String = "(memory)") -> [XMLValidationIssue] {
        let issues = IssueCollector(file: name)
        withParserContext(issues) { parser in
            bytes.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) {
                    xmlCtxtReadMemory(parser, $0.baseAddress, Int32($0.count), name, nil, Self.parseOptions)
                }
            }
        }
        return issues.issues
    }

    /// Validates the file at `path` and throws if it is not valid.
    ///
    /// - Throws: ``MRABatError`` `.xml` at the first error's line; the message counts the rest.
    package func check(fileAt path: String) throws {
        try Self.throwIfInvalid(validate(fileAt: path), file: path)
    }

    /// Validates `bytes` and throws if they are not a valid document.
    package func check(_ bytes: [UInt8], name: String = "(memory)") throws {
        try Self.throwIfInvalid(validate(bytes, name: name), file: name)
    }

    // No network, no entity expansion from outside: the files checked are ours and must stand alone.
    // Unified CM's files (and so ours) use `xsi:type` without declaring the prefix: libxml2 reports
    // that as a namespace error but still builds the document, which is then validated as usual.
    // It is not an issue here, as it is not one for a phone.
    private static let parseOptions = Int32(
        XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue
            | XML_PARSE_NOWARNING.rawValue)

    private static func throwIfInvalid(_ issues: [XMLValidationIssue], file: String) throws {
        let errors = issues.filter(\.isError)
        guard let first = errors.first else { return }
        let more = errors.count > 1 ? " (and \(errors.count - 1) more)" : ""
        throw MRABatError(
            .xml, "not valid against the schema: \(first.message)\(more)",
            at: SourceLocation(file: file, line: first.line))
    }

    private static func readFile(_ path: String) -> Result<[UInt8], MRABatError> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(AtomicFileWriter.error(errno, path, "cannot read the file")) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(AtomicFileWriter.error(errno, path, "cannot read the file"))
            }
            if n == 0 { return .success(bytes) }
            bytes.append(contentsOf: chunk[..<n])
        }
    }

    /// Runs `read` with a fresh parser context, then validates the document it returns.
    private func withParserContext(_ issues: IssueCollector, _ read: (xmlParserCtxtPtr) -> xmlDocPtr?) {
        guard let parser = xmlNewParserCtxt() else {
            issues.issues.append(
                .init(file: issues.file, line: nil, message: "libxml2 could not allocate a parser", isError: true))
            return
        }
        defer { xmlFreeParserCtxt(parser) }
        guard let doc = read(parser) else {
            // Not well-formed (or unreadable): report the parser's error with its line.
            if let error = xmlCtxtGetLastError(parser) {
                IssueCollector.add(error.pointee, to: issues)
            } else {
                issues.issues.append(
                    .init(file: issues.file, line: nil, message: "cannot read the document", isError: true))
            }
            return
        }
        defer { xmlFreeDoc(doc) }
        lock.withLock { _ in
            guard let validation = xmlSchemaNewValidCtxt(schema) else {
                issues.issues.append(
                    .init(
                        file: issues.file, line: nil, message: "libxml2 could not allocate a validator", isError: true))
                return
            }
            defer { xmlSchemaFreeValidCtxt(validation) }
            xmlSchemaSetValidStructuredErrors(
                validation, { context, error in IssueCollector.record(context, error?.pointee) },
                Unmanaged.passUnretained(issues).toOpaque())
            let rc = withExtendedLifetime(issues) { xmlSchemaValidateDoc(validation, doc) }
            if rc != 0 && !issues.issues.contains(where: \.isError) {
                issues.issues.append(
                    .init(file: issues.file, line: nil, message: "libxml2 validation failed (\(rc))", isError: true))
            }
        }
    }
}

/// Receives libxml2's structured errors for one parse or validation (the C callback's context).
private final class IssueCollector {
    let file: String
    var issues: [XMLValidationIssue] = []

    init(file: String) { self.file = file }

    static func record(_ context: UnsafeMutableRawPointer?, _ error: xmlError?) {
        guard let context, let error else { return }
        add(error, to: Unmanaged<IssueCollector>.fromOpaque(context).takeUnretainedValue())
    }

    static func add(_ error: xmlError, to collector: IssueCollector) {
        var message = error.message.map { String(cString: $0) } ?? "unknown libxml2 error \(error.code)"
        while message.last?.isNewline == true || message.last == " " { message.removeLast() }
        collector.issues.append(
            XMLValidationIssue(
                file: collector.file, line: error.line > 0 ? Int(error.line) : nil, message: message,
                isError: error.level.rawValue >= XML_ERR_ERROR.rawValue))
    }
}
