import Foundation
import MRABatKit
import Testing

@testable import mrabat

/// How a failure while running becomes an exit status (the command line's ``MRABatCommand/report(_:)``).
///
/// The end-to-end tests cover what a user can provoke; an error mrabat does not anticipate cannot be
/// provoked from outside, so its mapping is checked here.
@Suite("mrabat error reporting")
struct ErrorReportingTests {
    struct Unanticipated: Error, CustomStringConvertible {
        var description: String { "first line\nsecond line" }
    }

    @Test func anErrorThatIsNotTheLibrarysIsAnInternalErrorNeverOne() {
        #expect(MRABatCommand.report(Unanticipated()) == ExitStatus.internalError)
        #expect(MRABatCommand.report(CocoaError(.fileReadCorruptFile)) == ExitStatus.internalError)
        #expect(MRABatCommand.oneLine(Unanticipated().description) == "first line second line")
    }

    @Test(arguments: [
        (MRABatError.Code.usage, ExitStatus.nothingDone), (.csvSyntax, ExitStatus.nothingDone),
        (.storeReadOnly, ExitStatus.nothingDone), (.store, ExitStatus.storeFailed),
        (.storeBusy, ExitStatus.storeFailed), (.activation, ExitStatus.activationRefused),
        (.tooManyErrors, ExitStatus.tooManyErrors), (.outputAfterCommit, ExitStatus.committedOutputsIncomplete),
        (.internal, ExitStatus.internalError),
    ])
    func libraryErrorsCarryTheirStatus(code: MRABatError.Code, status: Int32) {
        #expect(MRABatCommand.report(MRABatError(code, "test")) == status)
    }

    @Test func aRefusalIsStatusFour() {
        let refusal = ActivationRefusal(.wrongProof, "the proof does not match")
        #expect(MRABatCommand.report(refusal) == ExitStatus.activationRefused)
    }
}
