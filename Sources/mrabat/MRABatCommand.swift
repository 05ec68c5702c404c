import ArgumentParser
import Foundation
import Glibc
import MRABatKit
import MRABatPostgres

/// `mrabat`: parses the command line, runs one command, maps what happened to an exit status.
@main
struct MRABatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mrabat",
        abstract: "Bulk-provision Cisco IP phones for MRA activation-code onboarding.",
        discussion: """
            The store is ./mrabat.sqlite unless --db or $MRABAT_DB names another: an
            SQLite file, or a PostgreSQL database as postgres://USER@HOST:PORT/DB
            (password from $PGPASSWORD or ~/.pgpass; `mrabat init` creates its schema).
            The key that seals its codes is <store>.key unless --key or $MRABAT_KEY
            names another (a PostgreSQL store needs one named).

            Exit status:
              0   done: every row accepted or unchanged
              1   finished, some rows rejected (--all-or-nothing: nothing committed);
                  check: some prerequisite fails
              2   nothing done: bad arguments, unreadable or malformed file, bad
                  template or cluster configuration, unknown device or job, a
                  command that does not apply (an undo refused), a read-only store
              3   the store failed or another mrabat held it too long: retryable
              4   activation refused
              5   aborted by --max-errors: nothing committed
              6   committed, but an output could not be written: run the same
                  command again to finish it
              70  internal error (a bug in mrabat)
            """,
        version: MRABat.version,
        subcommands: [
            Init.self, Validate.self, Insert.self, Plan.self, Update.self, Delete.self, Jobs.self, JobCommand.self,
            Undo.self, ExportCodes.self, Activate.self, Release.self, Regenerate.self,
            Relock.self, Expire.self, History.self, SelfCare.self, Check.self, Serve.self,
        ])

    /// Replaces ArgumentParser's `main` so that every usage error exits 2 (not 64) and every
    /// failure is one `mrabat: error: …` line.
    static func main() async {
        // `--db postgres://…` for every command: MRABatKit opens a store by the opener registered for its scheme.
        PostgresStore.register()
        Glibc.exit(await execute(Array(CommandLine.arguments.dropFirst())))
    }

    /// Parses `arguments`, runs the command and returns its exit status (see the discussion above).
    static func execute(_ arguments: [String]) async -> Int32 {
        var command: any ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            return reportUsageError(error)
        }
        if command is MRABatCommand {
            // No command given: say so, then show what there is.
            Console.error("mrabat: error: missing a command\n\n" + helpMessage())
            return ExitStatus.nothingDone
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return ExitStatus.ok
        } catch {
            return report(error)
        }
    }

    /// A parse failure: `--help` and `--version` print and exit 0; anything else (ArgumentParser's
    /// own errors, a value an argument type refused, a `ValidationError`) is a usage error, 2.
    static func reportUsageError(_ error: any Error) -> Int32 {
        if exitCode(for: error) == .success {
            print(fullMessage(for: error))
            return ExitStatus.ok
        }
        let text = fullMessage(for: error)
        let prefix = "Error: "
        if text.hasPrefix(prefix) {
            Console.error("mrabat: error: " + text.dropFirst(prefix.count))
        } else {
            Console.error("mrabat: error: " + Self.oneLine(message(for: error)))
        }
        return ExitStatus.nothingDone
    }

    /// A failure while running: the library's errors carry their status; anything else is a bug.
    static func report(_ error: any Error) -> Int32 {
        switch error {
        case let error as MRABatError:
            Console.error("mrabat: error: \(error)")
            return error.exitStatus
        case let refusal as ActivationRefusal:
            return report(refusal.error)
        case let exit as ExitCode:
            // A command's own status (1: some rows rejected, some prerequisite fails), already reported.
            return exit.rawValue
        default:
            if exitCode(for: error) == .success {
                // `mrabat help <command>` runs a command that throws its help text.
                print(fullMessage(for: error))
                return ExitStatus.ok
            }
            Console.error(
                "mrabat: error: internal error (a bug in mrabat; please report it): \(type(of: error)): "
                    + oneLine(String(describing: error)))
            return ExitStatus.internalError
        }
    }

    /// `text` on one line, at most 1,000 characters.
    static func oneLine(_ text: String) -> String {
        let words = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        let line = words.joined(separator: " ")
        return line.count > 1000 ? line.prefix(1000) + "…" : line
    }
}
