import Foundation
import Synchronization
import Testing

@testable import MRABatKit

/// The start-over rule of jobs that run at once (PostgreSQL): a rolled-back attempt is run again, at
/// most ``InsertJob/maxAttempts`` times, and then the job gives up with exit status 3, retryable.
@Suite("job retries after concurrent commits")
struct StoreConflictTests {
    static let location = SourceLocation(file: "nightly.csv")

    @Test func aJobThatKeepsMeetingConflictsGivesUpWithExitThreeAfterItsAttempts() async throws {
        let attempts = Mutex(0)
        let failure = await #expect(throws: MRABatError.self) {
            try await StoreConflict.retrying(at: Self.location) { () async throws -> Int in
                attempts.withLock { $0 += 1 }
                throw StoreConflict.concurrentJob
            }
        }
        #expect(attempts.withLock { $0 } == InsertJob.maxAttempts)
        #expect(failure?.code == .storeBusy)
        #expect(failure?.exitStatus == 3)
        #expect(failure?.message.contains("gave up after \(InsertJob.maxAttempts) attempts") == true)
        #expect(failure?.message.contains("nothing was committed; try again") == true)
        #expect(failure?.location?.file == "nightly.csv", "\(String(describing: failure))")
    }

    @Test func aJobThatMeetsAFewConflictsFinishesOnALaterAttempt() async throws {
        let attempts = Mutex(0)
        let result = try await StoreConflict.retrying(at: Self.location) { () async throws -> String in
            let attempt = attempts.withLock { count in
                count += 1
                return count
            }
            if attempt < 3 { throw StoreConflict.concurrentJob }
            return "committed on attempt \(attempt)"
        }
        #expect(result == "committed on attempt 3")
        #expect(attempts.withLock { $0 } == 3)
    }

    @Test func otherErrorsEndTheJobAtOnce() async throws {
        let attempts = Mutex(0)
        let failure = await #expect(throws: MRABatError.self) {
            try await StoreConflict.retrying(at: Self.location) { () async throws -> Int in
                attempts.withLock { $0 += 1 }
                throw MRABatError(.csvStructure, "the file has a header but no rows")
            }
        }
        #expect(failure?.code == .csvStructure)
        #expect(attempts.withLock { $0 } == 1)
        let identity = await #expect(throws: StoreConflict.self) {
            try await StoreConflict.retrying(at: Self.location) { () async throws -> Int in
                throw StoreConflict.codeIdentityTaken
            }
        }
        #expect(identity == .codeIdentityTaken)
    }
}
