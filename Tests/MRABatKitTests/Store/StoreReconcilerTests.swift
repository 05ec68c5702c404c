import Foundation
import Testing

@testable import MRABatKit

@Suite("Reconciling rows with the store")
struct StoreReconcilerTests {
    static func drafts(_ rows: [[String]]) throws -> [DeviceDraft] {
        let validator = try RowValidatorTests.validator()
        return try rows.enumerated().map { try validator.validate(fields: $1, line: $0 + 2).get() }
    }

    static func existing(_ draft: DeviceDraft, id: Int64, name: String, jobID: Int64 = 1) -> ExistingDevice {
        ExistingDevice(
            device: StoredDevice(id: id, name: name, mac: draft.mac?.hex, attributes: draft.attributes),
            naturalKey: draft.naturalKey, jobID: jobID)
    }

    @Test func sameFieldsAreUnchangedOtherFieldsAConflictNamingTheFirst() throws {
        var changed = RowValidatorTests.good
        changed[1] = "Lobby"
        let stored = try Self.drafts([RowValidatorTests.good])[0]
        let drafts = try Self.drafts([RowValidatorTests.good, changed])
        let reconciler = StoreReconciler(validator: try RowValidatorTests.validator())
        let outcome = reconciler.reconcile(
            drafts, existing: [Self.existing(stored, id: 7, name: "BAT00000000000A")], linesInThisJob: [:],
            fields: { ["fields of \($0)"] })
        #expect(outcome.fresh.isEmpty)
        #expect(outcome.unchanged.map(\.line) == [2] && outcome.unchanged.map(\.deviceID) == [7])
        #expect(outcome.rejected.map(\.line) == [3])
        #expect(outcome.rejected.first?.fields == ["fields of 3"])
        #expect(
            outcome.rejected.first?.reason
                == "already provisioned as BAT00000000000A with a different DESCRIPTION (\"Desk\" in the store, "
                + "\"Lobby\" in this row); insert does not change provisioned devices: `mrabat update` does")
    }

    @Test func aDeviceThisJobAlreadyHasIsAnInFileDuplicate() throws {
        let drafts = try Self.drafts([RowValidatorTests.good])
        let reconciler = StoreReconciler(validator: try RowValidatorTests.validator())
        let outcome = reconciler.reconcile(
            drafts, existing: [Self.existing(drafts[0], id: 7, name: "BAT00000000000A", jobID: 9)],
            linesInThisJob: [7: 40], fields: { _ in [] })
        #expect(outcome.unchanged.isEmpty && outcome.fresh.isEmpty)
        #expect(outcome.rejected.first?.reason.contains("line 40") == true, "\(outcome.rejected)")
    }

    @Test func aMACAnotherDeviceHasIsRejected() throws {
        var row = RowValidatorTests.good
        row[0] = "00:1a:2b:3c:4d:5e"
        let drafts = try Self.drafts([row])
        // A device provisioned without a MAC and activated as that phone: same MAC, another natural key.
        var activated = Self.existing(try Self.drafts([RowValidatorTests.good])[0], id: 3, name: "SEP001A2B3C4D5E")
        activated.device.mac = "001A2B3C4D5E"
        let outcome = StoreReconciler(validator: try RowValidatorTests.validator()).reconcile(
            drafts, existing: [activated], linesInThisJob: [:], fields: { _ in [] })
        #expect(outcome.rejected.first?.reason.contains("is already used by device SEP001A2B3C4D5E") == true)
    }

    @Test func nothingInTheStoreMeansEveryRowIsNew() throws {
        let drafts = try Self.drafts([RowValidatorTests.good])
        let outcome = StoreReconciler(validator: try RowValidatorTests.validator()).reconcile(
            drafts, existing: [], linesInThisJob: [:], fields: { _ in [] })
        #expect(outcome.fresh == drafts)
    }

    @Test func batchDuplicatesCompareKeysByValueAndForgetOnlyWrittenChunks() throws {
        var second = RowValidatorTests.good
        second[1] = "Other description, same phone"
        var third = RowValidatorTests.good
        third[6] = "4999"
        let drafts = try Self.drafts([RowValidatorTests.good, second, third])
        var duplicates = BatchDuplicates()
        #expect(duplicates.firstLine(of: drafts[0]) == nil)
        #expect(duplicates.firstLine(of: drafts[1])?.line == 2)
        #expect(duplicates.firstLine(of: drafts[2]) == nil, "another first line is another phone")
        duplicates.forgetWritten()
        #expect(duplicates.firstLine(of: drafts[1])?.line == 2, "the previous chunk is not written yet")
        duplicates.forgetWritten()
        duplicates.forgetWritten()
        #expect(duplicates.firstLine(of: drafts[1]) == nil, "older chunks are the store's to find")
    }
}
