import CLibXML2
import Glibc

/// A streaming pull reader of one XML part of a workbook: libxml2's `xmlTextReader` over a
/// ``ByteSource`` (the part's inflating ``ZipEntryStream``), one node at a time.
///
/// Safe on hostile input: no network, no external entities or DTD loading, and a part with a
/// document type declaration (which no workbook writer emits, and which entity bombs need) is
/// refused. Errors name the workbook, the part and the line in it.
final class XMLPartReader {
    /// The workbook as the user named it.
    let file: String
    /// The part's path in the archive (`xl/worksheets/sheet1.xml`).
    let part: String
    private let input: Input
    private let reader: xmlTextReaderPtr
    /// Set by ``skip()``: the result of the `xmlTextReaderNext` that already moved to the next node.
    private var pending: Int32?

    /// libxml2's pull callback reads the part through this (the callback's context).
    private final class Input {
        var source: any ByteSource
        var error: (any Error)?
        var firstError: String?
        var firstErrorLine = 0

        init(_ source: any ByteSource) { self.source = source }
    }

    enum NodeType: Int32 {
        case element = 1, text = 3, cdata = 4, entityReference = 5, documentType = 10, whitespace = 13
        case significantWhitespace = 14, endElement = 15, other = -1
    }

    init(source: any ByteSource, file: String, part: String) throws {
        LibXML2.initialize()
        self.file = file
        self.part = part
        let input = Input(source)
        self.input = input
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOWARNING.rawValue | XML_PARSE_NOCDATA.rawValue)
        guard
            let reader = xmlReaderForIO(
                { context, buffer, length in
                    guard let context, let buffer, length > 0 else { return 0 }
                    let input = Unmanaged<Input>.fromOpaque(context).takeUnretainedValue()
                    do {
                        return Int32(
                            try input.source.read(
                                into: UnsafeMutableRawBufferPointer(start: buffer, count: Int(length))))
                    } catch {
                        input.error = error
                        return -1
                    }
                }, nil, Unmanaged.passUnretained(input).toOpaque(), part, nil, options)
        else {
            throw MRABatError(.internal, "libxml2 could not create an XML reader for \(part)")
        }
        self.reader = reader
        xmlTextReaderSetStructuredErrorHandler(
            reader,
            { context, error in
                guard let context, let error = error?.pointee else { return }
                let input = Unmanaged<Input>.fromOpaque(context).takeUnretainedValue()
                guard input.firstError == nil, error.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
                var message = error.message.map { String(cString: $0) } ?? "libxml2 error \(error.code)"
                while message.last?.isNewline == true || message.last == " " { message.removeLast() }
                input.firstError = message
                input.firstErrorLine = Int(error.line)
            }, Unmanaged.passUnretained(input).toOpaque())
    }

    deinit {
        xmlFreeTextReader(reader)
    }

    /// Moves to the next node; false at the end of the part.
    ///
    /// - Throws: the source's error (a ZIP bomb, a damaged entry), or `.workbook` for XML that is not
    ///   well-formed or has a document type declaration.
    func read() throws -> Bool {
        let result: Int32
        if let pending {
            result = pending
            self.pending = nil
        } else {
            result = xmlTextReaderRead(reader)
        }
        if result == 1 {
            if type == .documentType {
                throw failure("has a document type declaration (<!DOCTYPE>), which no workbook has; refused")
            }
            return true
        }
        if result == 0 { return false }
        if let error = input.error { throw error }
        throw failure(
            "is not well-formed XML: " + (input.firstError ?? "libxml2 stopped reading it"),
            line: input.firstErrorLine > 0 ? input.firstErrorLine : nil)
    }

    /// Reads what is left of the part without parsing it, once the rows wanted are read, so that the
    /// part's checksum is checked.
    func drain() throws {
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while try buffer.withUnsafeMutableBytes({ try input.source.read(into: $0) }) > 0 {}
    }

    /// Skips the current element's subtree; the next ``read()`` gives the node after it.
    func skip() {
        pending = xmlTextReaderNext(reader)
    }

    /// An error about this part at the current (or the given) line of it.
    func failure(_ text: String, line: Int? = nil) -> MRABatError {
        let at = line ?? self.line
        return MRABatError(
            .workbook, "part \(part)\(at > 0 ? " line \(at)" : "") \(text)", at: SourceLocation(file: file))
    }

    var type: NodeType { NodeType(rawValue: xmlTextReaderNodeType(reader)) ?? .other }
    var depth: Int32 { xmlTextReaderDepth(reader) }
    var isEmptyElement: Bool { xmlTextReaderIsEmptyElement(reader) == 1 }
    var line: Int { Int(xmlTextReaderGetParserLineNumber(reader)) }

    /// Whether the current node's local name (its name without prefix) is `name`.
    func isNamed(_ name: StaticString) -> Bool {
        Self.equal(xmlTextReaderConstLocalName(reader), name)
    }

    /// Whether the current node is the start of an element named `name` (any namespace prefix).
    func isStart(_ name: StaticString) -> Bool {
        xmlTextReaderNodeType(reader) == 1 && isNamed(name)
    }

    /// Whether the current node is the end of an element named `name`.
    func isEnd(_ name: StaticString) -> Bool {
        xmlTextReaderNodeType(reader) == 15 && isNamed(name)
    }

    /// The text of a text, CDATA or white-space node.
    var value: String {
        xmlTextReaderConstValue(reader).map { String(cString: $0) } ?? ""
    }

    /// Whether the current node carries character data.
    var isText: Bool {
        switch type {
        case .text, .cdata, .whitespace, .significantWhitespace: true
        default: false
        }
    }

    /// Calls `body` with each attribute of the current element: its local name and its value, as
    /// libxml2's own C strings (valid only during the call); the reader stays on the element.
    func forEachAttribute(_ body: (UnsafePointer<xmlChar>, UnsafePointer<xmlChar>) -> Void) {
        guard xmlTextReaderMoveToFirstAttribute(reader) == 1 else { return }
        repeat {
            if let name = xmlTextReaderConstLocalName(reader), let value = xmlTextReaderConstValue(reader) {
                body(name, value)
            }
        } while xmlTextReaderMoveToNextAttribute(reader) == 1
        xmlTextReaderMoveToElement(reader)
    }

    /// The value of the current element's attribute with local name `name` in any namespace (or none).
    func attribute(_ name: StaticString) -> String? {
        var found: String?
        forEachAttribute { local, value in
            if found == nil, Self.equal(local, name) { found = String(cString: value) }
        }
        return found
    }

    /// The value of the current element's attribute `name` in the namespace `namespace` (a URI).
    func attribute(_ name: StaticString, namespace: StaticString) -> String? {
        guard xmlTextReaderMoveToFirstAttribute(reader) == 1 else { return nil }
        defer { xmlTextReaderMoveToElement(reader) }
        repeat {
            if Self.equal(xmlTextReaderConstLocalName(reader), name),
                Self.equal(xmlTextReaderConstNamespaceUri(reader), namespace),
                let value = xmlTextReaderConstValue(reader)
            {
                return String(cString: value)
            }
        } while xmlTextReaderMoveToNextAttribute(reader) == 1
        return nil
    }

    /// Whether the current node's namespace is `namespace` (a URI).
    func isIn(_ namespace: StaticString) -> Bool {
        Self.equal(xmlTextReaderConstNamespaceUri(reader), namespace)
    }

    /// The character data of the current element up to its end, child elements' text included;
    /// the reader ends on the element's end. An empty element gives "".
    func text() throws -> String {
        guard !isEmptyElement else { return "" }
        let start = depth
        var text = ""
        while try read() {
            if isText {
                text += value
            } else if type == .endElement && depth == start {
                break
            }
        }
        return text
    }

    static func equal(_ pointer: UnsafePointer<xmlChar>?, _ name: StaticString) -> Bool {
        guard let pointer else { return false }
        return name.withUTF8Buffer { bytes in
            for index in 0..<bytes.count where pointer[index] != bytes[index] { return false }
            return pointer[bytes.count] == 0
        }
    }

    static func equal(_ pointer: UnsafePointer<xmlChar>, _ name: StaticString) -> Bool {
        equal(Optional(pointer), name)
    }
}
