import ArgumentParser
import Foundation
import MRABatKit

/// Options of `insert` and `validate`: the input and how to read it.
struct InputOptions: ParsableArguments {
    @Argument(help: "The BAT CSV file, or an .xlsx or .ods workbook (by its extension).")
    var csv: String

    @Option(
        name: .long,
        help: ArgumentHelp("The workbook's sheet to read (default: the first).", valueName: "name"))
    var sheet: String?

    @Option(name: .long, help: ArgumentHelp("The BAT phone template (YAML).", valueName: "file"))
    var template: String

    @Option(name: .long, help: "The input's text encoding (default: a BOM's, else UTF-8 if valid, else Windows-1252).")
    var encoding: TextEncoding?

    @Option(name: .long, help: "The field delimiter (default: detected from the header line).")
    var delimiter: FieldDelimiter?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A YAML file mapping a legacy sheet's column names to BAT columns (`Phone Model: DEVICE TYPE`).",
            valueName: "file"))
    var map: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Abort, committing nothing, once more than N rows are rejected (0 or more).", valueName: "n")
    )
    var maxErrors: ErrorLimit?

    @Option(name: .long, help: ArgumentHelp("Also write the job summary as JSON to this file.", valueName: "file"))
    var summaryJson: String?

    @Flag(name: .long, help: "Print nothing but warnings and errors (for cron).")
    var quiet = false

    /// The job's options for these arguments; reads the `--map` file.
    func jobOptions(outDirectory: String?) throws -> InsertOptions {
        var options = InsertOptions(csvPath: csv, templatePath: template, outDirectory: outDirectory)
        options.encoding = encoding
        options.delimiter = delimiter?.byte
        options.sheet = sheet
        options.maxErrors = maxErrors?.value
        if let map { options.columnMapping = try ColumnMapping.load(path: map) }
        return options
    }

    /// Prints the summary (unless quiet) and writes `--summary-json`.
    /// - Throws: ``ExitCode`` 1 when some rows were rejected, after everything is reported.
    func finish(_ summary: JobSummary) throws {
        Console.printSummary(summary, quiet: quiet)
        if let summaryJson { try OutputDirectory.writeSummary(summary, to: summaryJson) }
        if let failure = summary.outputFailure {
            let job = summary.jobID.map { "job \($0)" } ?? "the job"
            throw MRABatError(
                .outputAfterCommit,
                "\(job) is committed (\(summary.accepted) accepted, \(summary.unchanged) unchanged), but its outputs are "
                    + "incomplete: \(failure); fix that and run the same command again to finish them")
        }
        if summary.rejected > 0 { throw ExitCode(ExitStatus.someRejected) }
    }
}
