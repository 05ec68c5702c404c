import Foundation

/// Everything mrabat persists: the cluster configuration, devices and lines, activation-code
/// secrets, jobs with their rows, and the audit log.
///
/// The embedded SQLite file (``SQLiteStore``) implements it, and so does the PostgreSQL database of the
/// `MRABatPostgres` target; the interface is narrow and speaks only domain types. Database error types
/// never leave an implementation: failures are ``MRABatError`` (`.store`, `.storeBusy`, `.storeReadOnly`),
/// and the only other error a caller may see is ``StoreConflict``.
///
/// Rules live with the domain, not here: what may be regenerated or re-locked, how many failed
/// attempts throttle a device, what counts as unchanged. The store applies what it is told,
/// atomically, and re-checks inside its transaction what a concurrent writer could have changed.
package protocol Store: AnyObject, Sendable {
    /// Where the store is, for messages: a path, or a URL without its password.
    var location: String { get }
    /// The sealing-key file used when none is given (`--key`): next to an SQLite file; nil when the
    /// store has no natural place for one.
    var defaultKeyFile: String? { get }
    /// Ends the store's connections; nothing may use it afterwards. A process may also just exit.
    func close() async

    // MARK: Cluster configuration

    /// Loads `config`, replacing the previous one; idempotent. Refuses to drop a device pool, model
    /// or service domain that devices still use, naming it.
    func saveCluster(_ config: ClusterConfig, now: Date) async throws
    /// The configuration last saved. - Throws: `.config` when there is none yet.
    func loadCluster() async throws -> ClusterConfig

    // MARK: The sealing key

    /// The fingerprint of the key that seals this store's codes, if one was recorded.
    func sealingKeyFingerprint() async throws -> String?
    /// Records `fingerprint` as the sealing key's unless one is recorded already.
    /// - Returns: the fingerprint recorded now (another writer's, if it came first).
    func recordSealingKey(fingerprint: String, now: Date) async throws -> String
    /// One sealed copy of an outstanding code, to check that a key opens this store's codes.
    func anySealedCode() async throws -> (identity: String, sealed: [UInt8])?
    /// Replaces a lost sealing key: erases every sealed copy (the codes still activate phones, but
    /// can no longer be exported) and records `fingerprint`, in one transaction.
    /// - Returns: how many sealed copies were erased.
    func replaceLostSealingKey(fingerprint: String, now: Date) async throws -> Int

    // MARK: Jobs

    /// Starts a job's one write transaction and records the job in it.
    func beginJob(kind: String, input: String, template: String, now: Date) async throws -> any JobWriter
    /// Devices that share a natural key with `keys`, a MAC with `macs` or a name with `names`
    /// (read-only: `validate`).
    func existingDevices(keys: [NaturalKey], macs: [String], names: [String]) async throws -> [ExistingDevice]
    /// One page of the devices a committed job accepted or found unchanged, in file order after `afterLine`.
    func jobDevices(jobID: Int64, afterLine: Int, limit: Int) async throws -> [(line: Int, device: StoredDevice)]
    /// One page of outstanding, unexpired codes after `cursor` (0 first, then the page's last
    /// ``StoredCode/cursor``): one job's devices in file order, or with `jobID` nil every one in issue order.
    func outstandingCodes(jobID: Int64?, now: Date, after cursor: Int64, limit: Int) async throws -> [StoredCode]
    /// The device named `name`, or nil.
    func device(named name: String) async throws -> StoredDevice?
    /// Devices whose current name is one of `names` (read-only: `plan`), as reconciliation sees them.
    func devices(named names: [String]) async throws -> [ExistingDevice]

    // MARK: Job history (`jobs`, `job N`, and the outputs of `update`, `delete`, `undo`)

    /// Every committed job, oldest first.
    func jobs() async throws -> [JobInfo]
    /// Job `id`, or nil.
    func job(id: Int64) async throws -> JobInfo?
    /// One page of job `jobID`'s rows, in line order after `afterLine`.
    func jobRows(jobID: Int64, afterLine: Int, limit: Int) async throws -> [JobRowInfo]
    /// One page of what committed job `jobID`'s rows mean for the config files, in line order after
    /// `afterLine`: every row but rejected ones, with its device as it is now, if it exists.
    func jobEffects(jobID: Int64, afterLine: Int, limit: Int) async throws -> [JobEffect]

    // MARK: Activation lifecycle

    /// The lifecycle state of the device named `name`, or nil.
    func lifecycleState(deviceNamed name: String) async throws -> DeviceLifecycleState?
    /// The lifecycle state of the device that has MAC `mac` (provisioned with it, or activated as it), or nil.
    func lifecycleState(mac: MACAddress) async throws -> DeviceLifecycleState?
    /// The code with SRP identity `identity` and its device: the outstanding one if there is one,
    /// else the most recent that had it (so a used or released code is reported as such).
    func activationRecord(identity: String) async throws -> (code: CodeState, device: DeviceLifecycleState)?
    /// Counts a wrong attempt against a device in its own committed transaction, throttling it when
    /// the count reaches `limit`, and audits it with `event` (whose detail the store completes with the count).
    func recordFailedAttempt(deviceID: Int64, limit: Int, event: AuditEvent) async throws -> FailedAttemptCount
    /// Appends audit records in one committed transaction.
    func appendAudit(_ events: [AuditEvent]) async throws
    /// Ends an outstanding code as `status`, erasing its secrets, and audits `event`, in one transaction.
    /// - Returns: whether it was still outstanding.
    @discardableResult
    func endCode(id: Int64, status: ActivationCodeStatus, event: AuditEvent) async throws -> Bool
    /// Applies the writes of many concurrent activations in one transaction — one durable commit for
    /// all of them (group commit) — each write isolated (a savepoint), so one that fails leaves the
    /// others. Each does what its single-purpose method does; a commit re-checks its code inside the
    /// transaction, so of racing commits (in this batch or another process) exactly one wins, and a
    /// loser's refusal is audited in its place.
    /// - Returns: one result per write, in order: `.failure(ActivationRefusal)` for a lost commit;
    ///   `.failure(MRABatError)` for every write when the transaction itself fails (nothing written).
    func commitActivations(_ writes: [ActivationWrite]) async -> [Result<ActivationWriteResult, any Error>]
    /// A value that changes whenever a device, line or code changes (every such change is audited):
    /// caches of what was read (rendered config files) compare it to know they are stale.
    func changeMarker() async throws -> Int64
    /// Commits a successful activation in one transaction: the code becomes `used` with its secrets
    /// erased, the device takes the MAC and the name `SEP<MAC>`, and `event` is audited. Re-checked
    /// inside the transaction, so of two activations of one code exactly one commits.
    /// - Throws: ``ActivationRefusal`` `.alreadyUsed` (lost a race) or `.macInUse`; nothing changed then.
    func commitActivation(code: CodeState, mac: MACAddress, event: AuditEvent) async throws -> ActivationCommit
    /// Releases the outstanding code of the device named `name`.
    /// - Throws: `.notFound` if there is no such device or it has no outstanding code.
    func releaseCode(deviceNamed name: String, now: Date) async throws -> EndedCode
    /// Replaces the device's code in one transaction: `check` (the domain's rule) sees the device's
    /// state inside the transaction and may refuse; then any outstanding code is released, the new
    /// one stored (bound to the device's MAC if it has one), the throttle cleared, `activated_at`
    /// cleared when `clearsActivation`, and the replacement audited as `event`.
    /// - Throws: `.notFound` for an unknown device; what `check` throws; ``StoreConflict/codeIdentityTaken``
    ///   if the new code's identity collides with an outstanding one (draw another code).
    func replaceCode(
        deviceNamed name: String, with secrets: IssuedCodeSecrets, expiresAt: Date, event: String,
        clearsActivation: Bool, now: Date, check: @escaping @Sendable (DeviceLifecycleState) throws -> Void
    ) async throws -> DeviceLifecycleState
    /// Expires every outstanding code whose time to live has passed at `now`, in device-name order.
    func expireCodes(now: Date) async throws -> [EndedCode]
    /// The outstanding, unexpired, unthrottled codes of `owner`'s devices (Self-Care's phones ready to activate).
    func readyToActivate(ownerUserID owner: String, now: Date) async throws -> [StoredCode]
    /// How many devices `owner` has at all.
    func deviceCount(ownerUserID owner: String) async throws -> Int
    /// Every audit record of the device now or once named `name`, in write order.
    /// - Throws: `.notFound` if no device has, and no audit record names, `name`.
    func history(device name: String) async throws -> [AuditEntry]
}

/// A conflict a caller resolves itself, the one non-``MRABatError`` error a ``Store`` throws.
package enum StoreConflict: Error, Sendable, Equatable {
    /// A new code's SRP identity equals an outstanding code's: draw another code.
    case codeIdentityTaken
    /// Another job running at the same time (a PostgreSQL store has several at once) committed a row
    /// this job was about to create, or the two deadlocked: the job's transaction is rolled back, and
    /// the job starts over, so that it sees the other job's rows (`unchanged` when identical, rejected
    /// when they conflict).
    case concurrentJob
}

extension StoreConflict {
    /// Runs one attempt at a job after another while it throws ``concurrentJob`` (another job committed
    /// a device it was about to create, change or remove, or the two deadlocked), at most
    /// ``InsertJob/maxAttempts`` times. Each retry follows another job's commit, so a few suffice.
    /// - Throws: `.storeBusy` (exit 3) when every attempt was rolled back so; what an attempt throws.
    static func retrying<T>(at location: SourceLocation?, _ attempt: () async throws -> T) async throws -> T {
        var number = 1
        while true {
            do {
                return try await attempt()
            } catch StoreConflict.concurrentJob where number < InsertJob.maxAttempts {
                number += 1
            } catch StoreConflict.concurrentJob {
                throw MRABatError(
                    .storeBusy,
                    "other jobs kept changing the same devices at the same time: gave up after \(number) attempts, "
                        + "nothing was committed; try again", at: location)
            }
        }
    }
}

/// One job's write transaction, held open while the job streams its rows through.
///
/// Everything a job writes becomes visible at ``commit(summary:now:)`` or not at all: a process
/// killed in between leaves nothing of the job. Used from one task at a time (the job calls it
/// between its parallel steps, never concurrently).
package protocol JobWriter: AnyObject, Sendable {
    var jobID: Int64 { get }
    /// Devices (this job's earlier chunks included) sharing a natural key with `keys`, a MAC with
    /// `macs` or a name with `names`.
    func existingDevices(keys: [NaturalKey], macs: [String], names: [String]) async throws -> [ExistingDevice]
    /// For each of `deviceIDs` this job already has a row for (created or found unchanged), that row's line.
    func lines(ofDevices deviceIDs: [Int64]) async throws -> [Int64: Int]
    /// Which of `names` the store already has.
    func takenNames(_ names: [String]) async throws -> Set<String>
    /// Which of `identities` an outstanding code already has.
    func outstandingIdentities(among identities: [String]) async throws -> Set<String>
    /// Inserts devices with their lines, codes, accepted-row results and `issue` audit records.
    /// - Throws: ``StoreConflict/concurrentJob`` when a concurrent job created one of these devices
    ///   (name, MAC or natural key) or code identities first; the transaction is then rolled back.
    func insert(_ devices: [NewDevice], issuedAt: Date, expiresAt: Date) async throws
    /// Records rows that matched an existing device exactly.
    func recordUnchanged(_ rows: [(line: Int, deviceID: Int64)]) async throws
    /// Records rejected rows with their reasons.
    func recordRejected(_ rows: [RowRejection]) async throws
    /// Devices (this job's changes included) whose current name is one of `names`.
    func devices(named names: [String]) async throws -> [ExistingDevice]
    /// Changes provisioned devices (fields, lines; name and MAC, re-binding an outstanding code to a
    /// new MAC when no phone has activated the device), recording for each an `updated` row with the
    /// device as it was, and one `update` audit record per changed field. The caller has checked that
    /// no other device has the new name, MAC or natural key.
    func update(_ updates: [DeviceUpdate], now: Date) async throws
    /// Removes devices with their lines and codes, recording for each a `deleted` row (with `note` as
    /// its reason, if any) holding the device as it was, codes included, and a `delete` audit record.
    /// The audit log keeps their history; their ids are never given to another device.
    func delete(_ rows: [(line: Int, deviceID: Int64)], note: String?, now: Date) async throws
    /// Brings back removed devices exactly as `snapshot`s hold them (id, lifecycle, lines, codes),
    /// recording `accepted` rows and `recreate` audit records. The caller has checked that their
    /// names, MACs, natural keys and outstanding codes' identities are free.
    func recreate(_ rows: [(line: Int, snapshot: DeviceSnapshot)], note: String?, now: Date) async throws
    /// Records rows naming a device that a job removed already (a `delete` run again): `unchanged`,
    /// with the name and `note` (`already deleted by job 4`).
    func recordAlreadyDeleted(_ rows: [(line: Int, deviceName: String, note: String)]) async throws
    /// One page (in line order after `afterLine`) of the devices committed job `jobID` created,
    /// changed or removed, with their state now, for `undo` to decide on and reverse.
    func undoCandidates(jobID: Int64, afterLine: Int, limit: Int) async throws -> [UndoCandidate]
    /// For each of `names` that no device has now but a job (this one included) removed: the last
    /// such job and its row's line.
    func deletedNames(_ names: [String]) async throws -> [String: (jobID: Int64, line: Int)]
    /// Finishes the job record and commits; durable on return. The record takes the summary's counts;
    /// when ``JobSummary/undoes`` names a job, that job is marked undone by this one.
    func commit(summary: JobSummary, now: Date) async throws
    /// Abandons everything the job wrote.
    func rollback() async throws
}

/// A device for a job to create, with its code's secrets.
package struct NewDevice: Sendable {
    package var draft: DeviceDraft
    package var secrets: IssuedCodeSecrets

    package init(draft: DeviceDraft, secrets: IssuedCodeSecrets) {
        self.draft = draft
        self.secrets = secrets
    }
}
