import Foundation

/// The commands that run as jobs: one write transaction each, recorded with every row's outcome.
package enum JobKind: String, Sendable, Codable, CaseIterable {
    case insert, update, delete, undo
}

/// What a job did with one row of its input (for `undo`, with one device of the job it reverses).
///
/// An undo records its own work in these terms too — a device it removes is `deleted`, one it
/// restores `updated`, one it brings back `accepted` — so an undo can itself be undone.
package enum JobRowOutcome: String, Sendable, Codable, CaseIterable {
    /// A device was created.
    case accepted
    /// The row matched a device exactly; nothing was written.
    case unchanged
    /// A device's fields were changed.
    case updated
    /// A device was removed.
    case deleted
    /// The row was rejected, with its reason.
    case rejected
}

/// One job as the store recorded it.
package struct JobInfo: Sendable, Equatable {
    package var id: Int64
    /// ``JobKind`` raw value.
    package var kind: String
    package var input: String
    package var template: String
    package var started: Date
    package var finished: Date?
    package var accepted: Int
    package var unchanged: Int
    package var updated: Int
    package var deleted: Int
    package var rejected: Int
    /// Whether the job's transaction committed (a job that did not leaves no record in SQLite).
    package var committed: Bool
    /// The undo job that reversed this one, if any.
    package var undoneBy: Int64?
    /// For an undo job: the job it reversed.
    package var undoes: Int64?

    package init(
        id: Int64, kind: String, input: String, template: String, started: Date, finished: Date?, accepted: Int,
        unchanged: Int, updated: Int, deleted: Int, rejected: Int, committed: Bool, undoneBy: Int64?, undoes: Int64?
    ) {
        self.id = id
        self.kind = kind
        self.input = input
        self.template = template
        self.started = started
        self.finished = finished
        self.accepted = accepted
        self.unchanged = unchanged
        self.updated = updated
        self.deleted = deleted
        self.rejected = rejected
        self.committed = committed
        self.undoneBy = undoneBy
        self.undoes = undoes
    }
}

/// One row of a job as the store recorded it.
package struct JobRowInfo: Sendable, Equatable {
    package var line: Int
    package var outcome: JobRowOutcome
    package var deviceID: Int64?
    /// The device's name when the job ran (after its change), if the row concerned a device.
    package var deviceName: String?
    /// A rejected row's reasons; for other rows a note (`already deleted by job 4`), if any.
    package var reason: String?
    /// An updated row's changes, old → new.
    package var changes: [FieldChange]

    package init(
        line: Int, outcome: JobRowOutcome, deviceID: Int64?, deviceName: String?, reason: String?,
        changes: [FieldChange]
    ) {
        self.line = line
        self.outcome = outcome
        self.deviceID = deviceID
        self.deviceName = deviceName
        self.reason = reason
        self.changes = changes
    }
}

/// What a committed job's row means for the files under `--out`.
package struct JobEffect: Sendable, Equatable {
    package var line: Int
    package var outcome: JobRowOutcome
    /// The device as it is now, for a row whose device still exists.
    package var device: StoredDevice?
    /// A config file name the row made stale: a removed device's, or a renamed device's old name.
    package var removedName: String?

    package init(line: Int, outcome: JobRowOutcome, device: StoredDevice?, removedName: String?) {
        self.line = line
        self.outcome = outcome
        self.device = device
        self.removedName = removedName
    }
}

/// A row of a job that `undo` is to reverse, with what the store knows now about its device.
package struct UndoCandidate: Sendable, Equatable {
    package var line: Int
    /// What the job did: `accepted` (created), `updated` or `deleted`.
    package var outcome: JobRowOutcome
    package var deviceID: Int64
    /// The device's name after the job.
    package var deviceName: String
    /// The device before the job changed or removed it; nil for a device the job created.
    package var before: DeviceSnapshot?
    /// The device now, codes included; nil if it no longer exists.
    package var current: DeviceSnapshot?
    /// Whether a phone activated as this device after the job committed.
    package var activatedSince: Bool
    /// The first later job that created, changed or removed this device, if one did.
    package var laterJob: Int64?

    package init(
        line: Int, outcome: JobRowOutcome, deviceID: Int64, deviceName: String, before: DeviceSnapshot?,
        current: DeviceSnapshot?, activatedSince: Bool, laterJob: Int64?
    ) {
        self.line = line
        self.outcome = outcome
        self.deviceID = deviceID
        self.deviceName = deviceName
        self.before = before
        self.current = current
        self.activatedSince = activatedSince
        self.laterJob = laterJob
    }
}
