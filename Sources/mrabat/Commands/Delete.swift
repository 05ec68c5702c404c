import ArgumentParser
import Foundation
import MRABatKit

/// `mrabat delete`: BAT's Delete Phones.
struct Delete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove devices (with their lines and codes) named in a file or on the command line, in one job.",
        discussion: """
            The file needs a DEVICE NAME or MAC ADDRESS column (other columns are ignored, so a BAT
            export will do). Config files of removed devices are removed after the commit; the audit
            log keeps their history. A name no device has is a rejected row (exit 1); one that an
            earlier job removed is reported unchanged, so the same file can be run again.
            """)

    @OptionGroup var store: StoreOptions

    @Argument(help: "A CSV file with a DEVICE NAME or MAC ADDRESS column.")
    var csv: String?

    @Option(name: .long, help: ArgumentHelp("A device to remove, by name (repeatable).", valueName: "name"))
    var name: [String] = []

    @Option(name: .long, help: ArgumentHelp("A device to remove, by MAC (repeatable).", valueName: "mac"))
    var mac: [String] = []

    @Option(
        name: .long, help: ArgumentHelp("Output directory: tftp/, rejects.csv, summary.json.", valueName: "dir"))
    var out: String

    @Flag(name: .long, help: "Commit nothing if any row is rejected.")
    var allOrNothing = false

    @Option(name: .long, help: "The input's text encoding (default: a BOM's, else UTF-8 if valid, else Windows-1252).")
    var encoding: TextEncoding?

    @Option(name: .long, help: "The field delimiter (default: detected from the header line).")
    var delimiter: FieldDelimiter?

    @Option(name: .long, help: ArgumentHelp("Also write the job summary as JSON to this file.", valueName: "file"))
    var summaryJson: String?

    @Flag(name: .long, help: "Print nothing but warnings and errors (for cron).")
    var quiet = false

    func validate() throws {
        guard (csv != nil) != (!name.isEmpty || !mac.isEmpty) else {
            throw ValidationError("name the devices to remove: a CSV file, or --name/--mac (not both)")
        }
    }

    func run() async throws {
        var options = DeleteOptions(inputPath: csv, outDirectory: out)
        options.names = name
        options.macs = mac
        options.encoding = encoding
        options.delimiter = delimiter?.byte
        options.allOrNothing = allOrNothing
        let summary = try await DeleteJob.run(store: try await store.open(), options: options)
        try Console.finish(summary, quiet: quiet, summaryJson: summaryJson)
    }
}
