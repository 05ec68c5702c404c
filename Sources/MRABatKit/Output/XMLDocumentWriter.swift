/// What ``PhoneConfig`` writes its layout to: nested elements, text elements, and the one
/// `<versionStamp>` whose text is filled in last.
protocol XMLElementWriter: AnyObject {
    /// Writes `<name attributes…>`, then `body`, then `</name>` (or `<name…/>` when `body` writes nothing).
    func element(_ name: StaticString, attributes: KeyValuePairs<StaticString, String>, _ body: () throws -> Void)
        throws
    /// Writes `<name>text</name>`.
    func element(_ name: StaticString, _ text: String) throws
    /// Writes `<name>…</name>` whose text is the document's ``VersionStamp``, filled in by ``finish()``.
    func versionStamp(_ name: StaticString) throws
    /// Closes the document and returns its bytes, the version stamp filled in.
    func finish() throws -> [UInt8]
}

extension XMLElementWriter {
    /// Writes `<name>`, then `body`, then `</name>`.
    func element(_ name: StaticString, _ body: () throws -> Void) throws {
        try element(name, attributes: [:], body)
    }

    /// Writes `<name>text</name>` when `text` is not `nil`.
    func element(_ name: StaticString, ifPresent text: String?) throws {
        if let text { try element(name, text) }
    }

    /// Writes `<name>true</name>` or `<name>false</name>` (`xs:boolean`'s canonical form).
    func element(_ name: StaticString, _ flag: Bool) throws {
        try element(name, flag ? "true" : "false")
    }

    /// Writes `<name>n</name>`.
    func element(_ name: StaticString, _ number: Int) throws {
        try element(name, String(number))
    }
}

/// An indented, UTF-8 XML document under construction, written straight into a byte array.
///
/// The bytes are exactly those of libxml2's `xmlTextWriter` with indentation `"  "` (2.9.14, the
/// writer this replaced; `XMLDocumentWriterTests` compares the two on random documents): the same
/// declaration, line breaks, `<empty/>` elements, and escapes — `&lt; &gt; &amp; &quot; &#13;` in
/// text, in attributes also `&#10; &#9;`; everything else, non-ASCII included, as it is. libxml2's
/// writer was measured as the bottleneck: its buffer, list and `strlen` calls were ~17 % of the CPU
/// of a 100k-row insert's config-file stage (`perf record` of `mrabat insert`), for a document whose
/// shape is fixed and whose text needs five escapes.
///
/// Text that XML 1.0 cannot carry at all (control characters) is refused with an error instead of
/// producing a file no parser would read. Not `Sendable`: one document is built by one task, then dropped.
final class XMLDocumentWriter: XMLElementWriter {
    private var bytes: [UInt8] = []
    /// Open elements; the innermost last.
    private var depth = 0
    /// Whether the innermost open element's start tag still lacks its `>` (it has no content yet).
    private var startTagOpen = false
    /// Where the version stamp's text begins and ends, once written.
    private var stamp: Range<Int>?
    /// Names the document in error messages (the device name).
    private let subject: String
    private var finished = false
    /// Texts that stand for a field of ``ConfigTemplate`` (the text → the field's number); empty
    /// when this writer renders a document rather than records a template.
    private let placeholders: [String: Int]
    /// Where the placeholders were met, in document order (see ``finishTemplate()``).
    private var slots: [ConfigTemplate.Slot] = []

    /// - Parameter placeholders: texts not to write but to record as a hole for ``ConfigTemplate``
    ///   (text or attribute value equal to one, as a whole).
    init(subject: String, initialCapacity: Int = 8192, placeholders: [String: Int] = [:]) {
        self.subject = subject
        self.placeholders = placeholders
        bytes.reserveCapacity(initialCapacity)
        Self.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", &bytes)
    }

    func element(
        _ name: StaticString, attributes: KeyValuePairs<StaticString, String> = [:], _ body: () throws -> Void
    ) throws {
        for (key, value) in attributes where placeholder(value) == nil {
            try FieldText.requireXMLText(value, in: key, of: subject)
        }
        edit { bytes in
            startTag(name, &bytes)
            for (key, value) in attributes {
                bytes.append(0x20)
                Self.append(key, &bytes)
                Self.append("=\"", &bytes)
                if let field = placeholder(value) {
                    slots.append(ConfigTemplate.Slot(offset: bytes.count, field: field, attribute: true, element: key))
                } else {
                    Self.appendEscaped(value, attribute: true, &bytes)
                }
                bytes.append(0x22)
            }
        }
        startTagOpen = true
        depth += 1
        try body()
        depth -= 1
        if startTagOpen {
            startTagOpen = false
            edit { Self.append("/>\n", &$0) }
        } else {
            edit { bytes in
                indent(&bytes)
                Self.endTag(name, &bytes)
            }
        }
    }

    func element(_ name: StaticString, _ text: String) throws {
        let field = placeholder(text)
        if field == nil { try FieldText.requireXMLText(text, in: name, of: subject) }
        edit { bytes in
            startTag(name, &bytes)
            bytes.append(0x3E)
            if let field {
                slots.append(ConfigTemplate.Slot(offset: bytes.count, field: field, attribute: false, element: name))
            } else {
                Self.appendEscaped(text, attribute: false, &bytes)
            }
            Self.endTag(name, &bytes)
        }
    }

    private func placeholder(_ text: String) -> Int? {
        placeholders.isEmpty ? nil : placeholders[text]
    }

    func versionStamp(_ name: StaticString) throws {
        precondition(stamp == nil, "a document has one version stamp")
        edit { bytes in
            startTag(name, &bytes)
            bytes.append(0x3E)
        }
        stamp = bytes.count..<bytes.count
        edit { Self.endTag(name, &$0) }
    }

    func finish() throws -> [UInt8] {
        var (document, _, stamp) = try finishTemplate()
        try VersionStamp.fill(&document, at: stamp)
        return document
    }

    /// Closes the document and returns its bytes without the version stamp, where the stamp's text
    /// goes, and where the placeholders were (for a ``ConfigTemplate``; none when there are none).
    func finishTemplate() throws -> (bytes: [UInt8], slots: [ConfigTemplate.Slot], stamp: Int) {
        precondition(!finished && depth == 0, "XMLDocumentWriter finished twice or inside an element")
        finished = true
        guard let stamp else { throw MRABatError(.xml, "\(subject): the config file has no <versionStamp> to fill") }
        // Handed over, not shared: the caller fills in the stamp without a copy of the document.
        let document = bytes
        bytes = []
        return (document, slots, stamp.lowerBound)
    }

    /// Runs `body` on the document's bytes as one access: `bytes` is a class's stored property, so
    /// every separate `bytes.append` was a dynamic exclusivity check (`swift_beginAccess` and
    /// `swift_endAccess`, with a thread-local lookup each), ~4 % of a 100k-row insert's CPU, most of
    /// it in the config-file stage (`perf record -g`).
    private func edit(_ body: (inout [UInt8]) -> Void) { body(&bytes) }

    /// Closes the parent's start tag if needed, then writes the indentation and `<name`.
    private func startTag(_ name: StaticString, _ bytes: inout [UInt8]) {
        if startTagOpen {
            Self.append(">\n", &bytes)
            startTagOpen = false
        }
        indent(&bytes)
        bytes.append(0x3C)
        Self.append(name, &bytes)
    }

    private static func endTag(_ name: StaticString, _ bytes: inout [UInt8]) {
        append("</", &bytes)
        append(name, &bytes)
        append(">\n", &bytes)
    }

    /// Two spaces per open element.
    private func indent(_ bytes: inout [UInt8]) {
        bytes.append(contentsOf: repeatElement(0x20, count: 2 * depth))
    }

    private static func append(_ text: StaticString, _ bytes: inout [UInt8]) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Appends `text` escaped as libxml2 escapes text (`attribute` false) or attribute values.
    static func appendEscaped(_ text: String, attribute: Bool, _ bytes: inout [UInt8]) {
        var text = text
        text.withUTF8 { utf8 in
            var index = 0
            var copied = 0
            while index < utf8.count {
                let byte = utf8[index]
                let escape: StaticString
                switch byte {
                case 0x3C: escape = "&lt;"
                case 0x3E: escape = "&gt;"
                case 0x26: escape = "&amp;"
                case 0x22: escape = "&quot;"
                case 0x0D: escape = "&#13;"
                case 0x0A where attribute: escape = "&#10;"
                case 0x09 where attribute: escape = "&#9;"
                default:
                    index += 1
                    continue
                }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[copied..<index]))
                append(escape, &bytes)
                index += 1
                copied = index
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[copied...]))
        }
    }
}
