import ArgumentParser
import Foundation

/// A path that names an existing regular file this process may read (`--mic`).
///
/// Checked when the arguments are parsed, so a mistyped path is a usage error (exit status 2)
/// before anything is looked up or changed; the file is read later and may still fail then.
struct ReadableFile: ExpressibleByArgument, Equatable {
    let path: String

    init?(argument: String) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory), !isDirectory.boolValue,
            FileManager.default.isReadableFile(atPath: argument)
        else { return nil }
        path = argument
    }

    static let defaultCompletionKind = CompletionKind.file()
}
