import ArgumentParser

/// `--delimiter`: the field separator of a BAT CSV — `,`, `;` or a TAB.
struct FieldDelimiter: ExpressibleByArgument, Equatable {
    /// The separator byte the CSV reader splits on.
    let byte: UInt8

    init?(argument: String) {
        switch argument.lowercased() {
        case ",", "comma": byte = UInt8(ascii: ",")
        case ";", "semicolon": byte = UInt8(ascii: ";")
        case "tab", "\t", "\\t": byte = UInt8(ascii: "\t")
        default: return nil
        }
    }

    static let allValueStrings = [",", ";", "tab"]
}
