import Foundation
import Yams

/// Typed, located access to a YAML configuration file.
///
/// Every accessor names the file, the line and the key path on failure, and every mapping is
/// checked for unknown keys (a misspelt key is a mistake, not something to ignore silently).
struct YAMLFile {
    let path: String
    let root: YAMLMapping

    /// Parses `path`; a syntax error names its line and column.
    init(path: String) throws {
        self.path = path
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw MRABatError(.io, "cannot read \(path): \(Self.reason(error))", at: SourceLocation(file: path))
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw Self.syntaxError(error, path: path)
        }
        guard let node, let mapping = node.mapping else {
            throw MRABatError(
                .config, "expected a YAML mapping at the top level", at: SourceLocation(file: path, line: 1))
        }
        root = YAMLMapping(mapping: mapping, file: path, keyPath: "")
    }

    private static func reason(_ error: Error) -> String {
        (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
    }

    private static func syntaxError(_ error: YamlError, path: String) -> MRABatError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return MRABatError(
                .config, "YAML syntax error: \(problem)",
                at: SourceLocation(file: path, line: mark.line, column: mark.column))
        case .duplicatedKeysInMapping(let duplicates, _):
            return MRABatError(
                .config, "duplicated key(s) \(duplicates.joined(separator: ", "))", at: SourceLocation(file: path))
        default:
            return MRABatError(.config, "YAML error: \(error)", at: SourceLocation(file: path))
        }
    }
}

/// One YAML mapping with its location, for building clear errors.
struct YAMLMapping {
    let mapping: Node.Mapping
    let file: String
    /// `devicePools[2]`, `activation`, …; empty at the top level.
    let keyPath: String

    var location: SourceLocation {
        SourceLocation(file: file, line: mapping.mark?.line, column: mapping.mark?.column)
    }

    func path(_ key: String) -> String { keyPath.isEmpty ? key : "\(keyPath).\(key)" }

    func node(_ key: String) -> Node? {
        for (k, v) in mapping where k.string == key { return v }
        return nil
    }

    func location(of key: String) -> SourceLocation {
        guard let node = node(key), let mark = node.mark else { return location }
        return SourceLocation(file: file, line: mark.line, column: mark.column)
    }

    func error(_ key: String, _ message: String, value: String? = nil) -> MRABatError {
        MRABatError(.config, "\(path(key)): \(message)", at: location(of: key), value: value)
    }

    /// Fails on the first key not in `known`, suggesting the closest known one.
    func checkKeys(_ known: [String]) throws {
        for (key, value) in mapping {
            guard let name = key.string, !known.contains(name) else { continue }
            let at = SourceLocation(file: file, line: key.mark?.line ?? value.mark?.line, column: key.mark?.column)
            throw MRABatError(
                .config, "unknown key \"\(path(name))\"\(DidYouMean.hint(for: name, among: known))", at: at, value: name
            )
        }
    }

    func optionalString(_ key: String) throws -> String? {
        guard let node = node(key), node.null == nil else { return nil }
        guard let scalar = node.scalar else { throw error(key, "expected a text value") }
        let text = scalar.string.trimmingCharacters(in: .whitespaces)
        if text.isEmpty { throw error(key, "must not be empty") }
        return text
    }

    func string(_ key: String) throws -> String {
        guard let value = try optionalString(key) else { throw error(key, "is required") }
        return value
    }

    func optionalInt(_ key: String, range: ClosedRange<Int>) throws -> Int? {
        guard let node = node(key), node.null == nil else { return nil }
        guard let scalar = node.scalar, let value = Int(scalar.string) else {
            throw error(
                key, "expected a whole number, found \"\(node.scalar?.string ?? "?")\"", value: node.scalar?.string)
        }
        guard range.contains(value) else {
            throw error(key, "\(value) is out of range \(range.lowerBound)–\(range.upperBound)", value: String(value))
        }
        return value
    }

    func int(_ key: String, range: ClosedRange<Int>, default defaultValue: Int? = nil) throws -> Int {
        if let value = try optionalInt(key, range: range) { return value }
        if let defaultValue { return defaultValue }
        throw error(key, "is required")
    }

    func bool(_ key: String, default defaultValue: Bool? = nil) throws -> Bool {
        guard let node = node(key), node.null == nil else {
            if let defaultValue { return defaultValue }
            throw error(key, "is required (true or false)")
        }
        guard let scalar = node.scalar else { throw error(key, "expected true or false") }
        switch scalar.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error(key, "expected true or false, found \"\(scalar.string)\"", value: scalar.string)
        }
    }

    func optionalMapping(_ key: String) throws -> YAMLMapping? {
        guard let node = node(key), node.null == nil else { return nil }
        guard let mapping = node.mapping else { throw error(key, "expected a mapping of keys to values") }
        return YAMLMapping(mapping: mapping, file: file, keyPath: path(key))
    }

    func mapping(_ key: String) throws -> YAMLMapping {
        guard let value = try optionalMapping(key) else { throw error(key, "is required") }
        return value
    }

    /// A list of mappings; `required` makes a missing or empty list an error.
    func mappings(_ key: String, required: Bool) throws -> [YAMLMapping] {
        guard let node = node(key), node.null == nil else {
            if required { throw error(key, "is required") }
            return []
        }
        guard let sequence = node.sequence else { throw error(key, "expected a list") }
        if required && sequence.isEmpty { throw error(key, "must list at least one entry") }
        return try sequence.enumerated().map { index, item in
            guard let mapping = item.mapping else {
                throw MRABatError(
                    .config, "\(path(key))[\(index + 1)]: expected a mapping of keys to values",
                    at: SourceLocation(file: file, line: item.mark?.line, column: item.mark?.column))
            }
            return YAMLMapping(mapping: mapping, file: file, keyPath: "\(path(key))[\(index + 1)]")
        }
    }

    func strings(_ key: String) throws -> [String] {
        guard let node = node(key), node.null == nil else { return [] }
        guard let sequence = node.sequence else { throw error(key, "expected a list") }
        return try sequence.map { item in
            guard let scalar = item.scalar, !scalar.string.isEmpty else {
                throw error(key, "expected a list of text values")
            }
            return scalar.string
        }
    }
}
