import Synchronization

/// A config file's bytes with holes where one device's file differs from another of the same
/// shape: its `uuid`, its owner, its external number mask, and each line's number, display name,
/// label and contact. Everything else a file says comes from the cluster, the pool, the model and
/// the template, which the devices of one job mostly share.
///
/// Filling a template is a copy of the bytes between the holes and an escape of ~20 short texts;
/// rendering the document element by element (``XMLDocumentWriter``) was ~20 µs of CPU per
/// 6 KB five-line file and ~20 % of the config-file stage (`mrabat-bench config-files`).
/// The template is recorded by the same ``PhoneConfig/writeXML(to:)`` that renders a file, with
/// placeholder texts in the per-device fields, so the layout has one definition; a filled template
/// is byte for byte the rendered file (checked on every template made, and in
/// `ConfigTemplateTests` on random configs).
struct ConfigTemplate: Sendable {
    /// A hole: where a field's escaped text goes.
    struct Slot: Sendable {
        /// Byte offset in ``bytes``.
        var offset: Int
        /// The field (see ``value(_:of:)``), or -1 for where the version stamp's text goes.
        var field: Int
        /// Escaped as an attribute value, else as element text.
        var attribute: Bool
        /// The element or attribute, for error messages.
        var element: StaticString
    }

    private let bytes: [UInt8]
    /// The holes in document order, the version stamp's among them.
    private let slots: [Slot]

    /// Lines a template is made for at most; a phone with more is rendered element by element.
    static let maxLines = 64

    /// Fields per line: number, display name, label, contact.
    private static let lineFields = 4
    private static let fieldCount = 3 + lineFields * maxLines

    /// The placeholder of each field: a text no value is (a private-use character around its number).
    private static let placeholderTexts: [String] = (0..<fieldCount).map { "\u{F8FF}\($0)\u{F8FF}" }
    private static let placeholders: [String: Int] = Dictionary(
        uniqueKeysWithValues: placeholderTexts.enumerated().map { ($1, $0) })

    /// What the template of `config` depends on: `config` with its per-device fields replaced by
    /// placeholders (and its name, which the file does not carry, emptied). Configs with equal
    /// shapes have the same template. nil when `config` has too many lines for one.
    static func shape(of config: PhoneConfig) -> PhoneConfig? {
        guard config.lines.count <= maxLines else { return nil }
        var shape = config
        shape.deviceName = ""
        shape.uuid = placeholderTexts[0]
        shape.userId = placeholderTexts[1]
        if shape.externalNumberMask != nil { shape.externalNumberMask = placeholderTexts[2] }
        for index in shape.lines.indices {
            let first = 3 + lineFields * index
            shape.lines[index].directoryNumber = placeholderTexts[first]
            shape.lines[index].display = placeholderTexts[first + 1]
            shape.lines[index].label = placeholderTexts[first + 2]
            shape.lines[index].contact = placeholderTexts[first + 3]
        }
        return shape
    }

    /// The per-device fields of `config`, numbered as the placeholders of ``shape(of:)``.
    private static func value(_ field: Int, of config: PhoneConfig) -> String {
        switch field {
        case 0: return config.uuid
        case 1: return config.userId
        case 2: return config.externalNumberMask ?? ""
        default:
            let line = config.lines[(field - 3) / lineFields]
            switch (field - 3) % lineFields {
            case 0: return line.directoryNumber
            case 1: return line.display ?? ""
            case 2: return line.label ?? ""
            default: return line.contact
            }
        }
    }

    /// Records the template of `shape` (from ``shape(of:)``).
    ///
    /// - Returns: nil when the recording does not hold every hole exactly once per use (a shared
    ///   text that happens to equal a placeholder): such configs are rendered element by element.
    /// - Throws: ``MRABatError`` `.xml` when a shared text cannot be written (rendering the file
    ///   element by element then reports it with the device's name).
    static func record(_ shape: PhoneConfig) throws -> ConfigTemplate? {
        let writer = XMLDocumentWriter(subject: "", placeholders: placeholders)
        try shape.writeXML(to: writer)
        var (bytes, slots, stamp) = try writer.finishTemplate()
        // uuid once, the owner twice (userId, ownerId), the mask once when there is one, four per line.
        var uses = [Int](repeating: 0, count: fieldCount)
        for slot in slots { uses[slot.field] += 1 }
        let expectedUses = (0..<fieldCount).map { field -> Int in
            switch field {
            case 0: return 1
            case 1: return 2
            case 2: return shape.externalNumberMask == nil ? 0 : 1
            default: return (field - 3) / lineFields < shape.lines.count ? 1 : 0
            }
        }
        guard uses == expectedUses else { return nil }
        slots.insert(
            Slot(offset: stamp, field: -1, attribute: false, element: "versionStamp"),
            at: slots.firstIndex { $0.offset > stamp } ?? slots.endIndex)
        return ConfigTemplate(bytes: bytes, slots: slots)
    }

    /// The file of `config`, whose shape this template was recorded from.
    ///
    /// - Throws: ``MRABatError`` `.xml` naming the device and element, for a text XML cannot carry.
    func fill(_ config: PhoneConfig) throws -> [UInt8] {
        var output: [UInt8] = []
        // Room for the fields and the stamp: growing the array while filling it was a copy of the file.
        output.reserveCapacity(bytes.count + 2048)
        var stampOffset = 0
        try bytes.withUnsafeBufferPointer { template in
            var copied = 0
            for slot in slots {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: template[copied..<slot.offset]))
                copied = slot.offset
                guard slot.field >= 0 else {
                    stampOffset = output.count
                    continue
                }
                let text = Self.value(slot.field, of: config)
                try FieldText.requireXMLText(text, in: slot.element, of: config.deviceName)
                XMLDocumentWriter.appendEscaped(text, attribute: slot.attribute, &output)
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: template[copied...]))
        }
        try VersionStamp.fill(&output, at: stampOffset)
        return output
    }
}

/// Renders many devices' files, each shape's template recorded once (see ``ConfigTemplate``).
///
/// Shared by the tasks that write one job's files: a template costs about two renderings to record
/// (the first device of a shape is rendered both ways and compared), and the benchmark's generated
/// files have ~80 shapes (models × pools × line counts) in their first 20,000 devices, so one cache
/// per slice of a few hundred devices would record most of them again.
package final class ConfigRenderer: Sendable {
    /// A shape as a dictionary key, hashed by a few of its fields (equal shapes hash alike), compared
    /// whole: hashing every field of a shape cost more than filling its template.
    private struct Shape: Hashable, Sendable {
        var config: PhoneConfig

        func hash(into hasher: inout Hasher) {
            hasher.combine(config.devicePool.name)
            hasher.combine(config.lines.count)
            hasher.combine(config.loadInformation)
            hasher.combine(config.userLocale.name)
            hasher.combine(config.redirect?.domain)
            hasher.combine(config.lines.first?.maxNumCalls)
            hasher.combine(config.deviceSecurityMode)
        }

        static func == (left: Shape, right: Shape) -> Bool { left.config == right.config }
    }

    private let templates = Mutex<[Shape: ConfigTemplate?]>([:])
    /// Shapes kept at most (a template is about the size of its file); the devices of further shapes
    /// are rendered element by element.
    private let capacity: Int

    package init(capacity: Int = 1024) {
        self.capacity = capacity
    }

    /// Shapes met so far, and how many of them have a template.
    package var shapes: (met: Int, templated: Int) {
        templates.withLock { ($0.count, $0.values.count { $0 != nil }) }
    }

    /// The file of `config`: the bytes of ``TFTPConfigWriter/render(_:)``, from its shape's template.
    ///
    /// - Throws: ``MRABatError`` `.xml`, as ``TFTPConfigWriter/render(_:)``.
    package func render(_ config: PhoneConfig) throws -> [UInt8] {
        if let template = try template(for: config) { return try template.fill(config) }
        return try TFTPConfigWriter.renderElements(config)
    }

    private func template(for config: PhoneConfig) throws -> ConfigTemplate? {
        guard let shape = ConfigTemplate.shape(of: config).map(Shape.init(config:)) else { return nil }
        let (known, full) = templates.withLock { ($0[shape], $0.count >= capacity) }
        if let known { return known }
        if full { return nil }
        // Recorded outside the lock; two tasks meeting a new shape at once both record it, alike.
        var template: ConfigTemplate?
        do {
            template = try ConfigTemplate.record(shape.config)
        } catch let error as MRABatError where error.code == .xml {
            template = nil
        }
        // The first device of a shape is rendered both ways: a template that would write other bytes
        // than the element-by-element rendering is never used.
        if let recorded = template, try recorded.fill(config) != TFTPConfigWriter.renderElements(config) {
            template = nil
        }
        templates.withLock { $0[shape] = .some(template) }
        return template
    }
}
