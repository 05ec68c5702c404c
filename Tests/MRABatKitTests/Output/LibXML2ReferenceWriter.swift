import CLibXML2

@testable import MRABatKit

/// The config writer mrabat used before ``XMLDocumentWriter``: libxml2's `xmlTextWriter`, indented by
/// two spaces. Kept here as the independent implementation the byte-for-byte writer is checked against.
///
/// An indented, UTF-8 XML document under construction: the one owner of a libxml2 `xmlTextWriter`.
///
/// Element names are `StaticString`s, so writing a name costs no allocation; text goes through
/// libxml2, which escapes `<`, `&`, `>` and `"`. Text that XML 1.0 cannot carry at all (control
/// characters) is refused with an error instead of producing a file no parser would read.
///
/// Not `Sendable`: one document is built by one task, then dropped.
final class LibXML2ReferenceWriter: XMLElementWriter {
    private let writer: xmlTextWriterPtr
    private let buffer: xmlBufferPtr
    /// Names the document in error messages (the device name).
    private let subject: String
    private var finished = false

    init(subject: String, initialCapacity: Int = 4096) throws {
        LibXML2.initialize()
        self.subject = subject
        guard let buffer = xmlBufferCreateSize(initialCapacity) else {
            throw MRABatError(.xml, "\(subject): libxml2 could not allocate an output buffer")
        }
        guard let writer = xmlNewTextWriterMemory(buffer, 0) else {
            xmlBufferFree(buffer)
            throw MRABatError(.xml, "\(subject): libxml2 could not create an XML writer")
        }
        self.buffer = buffer
        self.writer = writer
        // Two spaces per level for people reading the file (Unified CM writes no indentation; phones
        // do not mind either way); the declaration names UTF-8 explicitly.
        try check(xmlTextWriterSetIndent(writer, 1), "set indentation")
        try check(xmlTextWriterSetIndentString(writer, "  "), "set indentation")
        try check(xmlTextWriterStartDocument(writer, "1.0", "UTF-8", nil), "start the document")
    }

    deinit {
        // Frees the writer (flushing it) before the buffer it writes into.
        xmlFreeTextWriter(writer)
        xmlBufferFree(buffer)
    }

    /// Writes `<name attributes…>`, then `body`, then `</name>`.
    func element(
        _ name: StaticString, attributes: KeyValuePairs<StaticString, String> = [:], _ body: () throws -> Void
    ) throws {
        try check(xmlTextWriterStartElement(writer, name.utf8Start), "start <\(name)>")
        for (key, value) in attributes {
            try FieldText.requireXMLText(value, in: key, of: subject)
            let rc = value.withCString { xmlTextWriterWriteAttribute(writer, key.utf8Start, $0) }
            try check(rc, "write attribute \(key) of <\(name)>")
        }
        try body()
        try check(xmlTextWriterEndElement(writer), "end <\(name)>")
    }

    /// Writes `<name>text</name>`.
    func element(_ name: StaticString, _ text: String) throws {
        try FieldText.requireXMLText(text, in: name, of: subject)
        let rc = text.withCString { xmlTextWriterWriteElement(writer, name.utf8Start, $0) }
        try check(rc, "write <\(name)>")
    }

    static let placeholder = "VERSIONSTAMP"

    /// Writes the placeholder, replaced by the stamp in ``finish()``.
    func versionStamp(_ name: StaticString) throws {
        try element(name, Self.placeholder)
    }

    /// Closes every open element and the document and returns its bytes, the stamp filled in.
    func finish() throws -> [UInt8] {
        let document = try finishWithPlaceholder()
        let marker = Array(("<versionStamp>" + Self.placeholder + "</versionStamp>").utf8)
        guard
            let start = (0...(document.count - marker.count)).first(where: {
                document[$0..<$0 + marker.count].elementsEqual(marker)
            })
        else { throw MRABatError(.xml, "no <versionStamp> to fill") }
        let textStart = start + "<versionStamp>".utf8.count
        let textEnd = textStart + Self.placeholder.utf8.count
        let head = Array(document[..<textStart])
        let tail = Array(document[textEnd...])
        let stamp = try head.withUnsafeBytes { h in
            try tail.withUnsafeBytes { t in try VersionStamp.stamp(head: h, tail: t) }
        }
        return head + Array(stamp.utf8) + tail
    }

    private func finishWithPlaceholder() throws -> [UInt8] {
        precondition(!finished, "XMLDocumentWriter.finish() called twice")
        finished = true
        try check(xmlTextWriterEndDocument(writer), "end the document")
        try check(xmlTextWriterFlush(writer), "flush the document")
        guard let content = xmlBufferContent(buffer) else { return [] }
        let count = Int(xmlBufferLength(buffer))
        return [UInt8](UnsafeBufferPointer(start: content, count: count))
    }

    private func check(_ rc: Int32, _ action: @autoclosure () -> String) throws {
        if rc < 0 {
            throw MRABatError(.xml, "\(subject): libxml2 failed to \(action())")
        }
    }
}
