/// How each checked row relates to what the store already holds.
///
/// `insert`: a row whose natural key matches a device with the same fields is a re-run: `unchanged`,
/// no new device and no new code. A match with different fields is a conflict, rejected naming the
/// first field that differs (`insert` never changes a provisioned device). A MAC or `DEVICE NAME`
/// another device has is rejected. A device this job already wrote or found unchanged for an
/// earlier row is an in-file duplicate. Everything else is new.
///
/// `update` (and `plan`, which shows what it would do): a row is matched to a device by its
/// `DEVICE NAME`, else its MAC, else its natural key, else — for a row with a MAC — the phone
/// provisioned without one under the same owner, model and first line (see ``updateReconcile``).
/// A matched device whose fields differ is updated; an unmatched row is created as `insert` creates
/// it, or rejected under `--existing-only`.
///
/// Pure: the caller fetches the matching devices and this job's lines for them, so the rule is
/// testable without a store and the same for every backend.
struct StoreReconciler {
    let validator: RowValidator
    var mode: Mode = .insert

    /// What the job does with a row that matches a device.
    enum Mode: Sendable, Equatable {
        /// Leaves the device: unchanged, or a conflict.
        case insert
        /// Changes the device; an unmatched row is created unless `createsNew` is false (`--existing-only`).
        case update(createsNew: Bool)
    }

    struct Outcome: Sendable {
        var fresh: [DeviceDraft] = []
        var unchanged: [(line: Int, deviceID: Int64)] = []
        var updated: [DeviceUpdate] = []
        var rejected: [RowRejection] = []
        /// The device each unchanged row matched, by line (what `plan` shows).
        var matchedNames: [Int: String] = [:]
        /// The job has recorded `unchanged` and `updated` already (`update` writes them as soon as a
        /// chunk is reconciled, so the next chunk sees them).
        var claimsRecorded = false
    }

    /// Sorts `drafts` into new, unchanged, updated and rejected.
    ///
    /// - Parameters:
    ///   - existing: devices sharing a natural key (for `update`, also a row's key without its MAC),
    ///     MAC or `DEVICE NAME` with `drafts`, as this job's own writes have left them.
    ///   - linesInThisJob: for devices among `existing` that this job already has a row for, that row's line.
    ///   - fields: the row's fields as read, for `rejects.csv`.
    func reconcile(
        _ drafts: [DeviceDraft], existing: [ExistingDevice], linesInThisJob: [Int64: Int],
        fields: (Int) -> [String]
    ) -> Outcome {
        switch mode {
        case .insert: insertReconcile(drafts, existing: existing, linesInThisJob: linesInThisJob, fields: fields)
        case .update(let createsNew):
            updateReconcile(
                drafts, existing: existing, linesInThisJob: linesInThisJob, createsNew: createsNew, fields: fields)
        }
    }

    private func insertReconcile(
        _ drafts: [DeviceDraft], existing: [ExistingDevice], linesInThisJob: [Int64: Int],
        fields: (Int) -> [String]
    ) -> Outcome {
        var outcome = Outcome()
        guard !existing.isEmpty else {
            outcome.fresh = drafts
            return outcome
        }
        let index = Index(existing)
        for draft in drafts {
            func reject(_ problem: RowProblem) {
                outcome.rejected.append(
                    RowRejection(line: draft.sourceLine, fields: fields(draft.sourceLine), problems: [problem]))
            }
            func unchanged(_ device: StoredDevice) {
                outcome.unchanged.append((draft.sourceLine, device.id))
                outcome.matchedNames[draft.sourceLine] = device.name
            }
            let match = index.byKey[draft.naturalKey]
            // A requested DEVICE NAME (an export re-imported) is matched first: one name is one device.
            if let name = draft.requestedName, let named = index.byName[name] {
                if let first = linesInThisJob[named.device.id] {
                    reject(validator.duplicate(draft, ofLine: String(first), byName: true))
                } else if named.device.attributes == draft.attributes {
                    unchanged(named.device)
                } else if let change = named.device.attributes.changes(to: draft.attributes).first {
                    reject(Self.conflict(named.device, change))
                } else {
                    unchanged(named.device)
                }
            } else if let match, let name = draft.requestedName, match.device.name != name,
                linesInThisJob[match.device.id] == nil
            {
                // One phone, two names: insert renames nothing (update does, for a BAT… device that activates).
                reject(
                    validator.problem(
                        .alreadyProvisioned, .deviceName, name,
                        "the same phone is already provisioned as \(match.device.name) "
                            + "(\(Self.describe(match.naturalKey))); insert does not rename devices"))
            } else if let match, let first = linesInThisJob[match.device.id] {
                reject(validator.duplicate(draft, ofLine: String(first)))
            } else if let match {
                // Equality first: a re-run is mostly unchanged rows, and naming the difference costs more.
                if match.device.attributes == draft.attributes {
                    outcome.unchanged.append((draft.sourceLine, match.device.id))
                    outcome.matchedNames[draft.sourceLine] = match.device.name
                } else if let change = match.device.attributes.changes(to: draft.attributes).first {
                    reject(Self.conflict(match.device, change))
                } else {
                    outcome.unchanged.append((draft.sourceLine, match.device.id))
                    outcome.matchedNames[draft.sourceLine] = match.device.name
                }
            } else if let mac = draft.mac, let owner = index.byMAC[mac.hex] {
                if let first = linesInThisJob[owner.device.id] {
                    reject(validator.duplicate(draft, ofLine: String(first)))
                } else {
                    reject(
                        validator.problem(
                            .macInUse, .macAddress, mac.hex, "is already used by device \(owner.device.name)"))
                }
            } else {
                outcome.fresh.append(draft)
            }
        }
        return outcome
    }

    /// `update`'s rule, row by row:
    ///
    /// 1. Match: the device named `DEVICE NAME`; else the device with the row's MAC; else the one with
    ///    the row's natural key; else, for a row with a MAC, a device this job has not matched yet that
    ///    has the row's owner, model and first line (a phone provisioned without its MAC, given it now).
    ///    A `DEVICE NAME` that names no device is fine when the match is a `SEP…` device (the row was
    ///    exported before the phone activated); another `BAT…` device is a mismatch.
    /// 2. A device an earlier row of this job matched: a duplicate, naming that line.
    /// 3. What the device becomes: a device with a MAC keeps it (an activated device's MAC is the
    ///    phone's own); one without takes the row's, and with it the name `SEP<MAC>`; an activated
    ///    device keeps its model. Its natural key follows (a MAC device keeps `mac:…`), and must not
    ///    be another device's or another row's of this job.
    /// 4. Same fields and name: `unchanged`; otherwise `updated` with every change, old → new.
    private func updateReconcile(
        _ drafts: [DeviceDraft], existing: [ExistingDevice], linesInThisJob: [Int64: Int], createsNew: Bool,
        fields: (Int) -> [String]
    ) -> Outcome {
        var outcome = Outcome()
        // Kept up to date as rows change devices, so that a later row of the chunk sees them as a
        // later chunk will see them in the store.
        var index = Index(existing)
        var claimed = linesInThisJob
        // Keys that rows of this chunk give devices (created, or changed to), with the row's line.
        var keysHere: [NaturalKey: Int] = [:]
        for draft in drafts {
            func reject(_ problem: RowProblem) {
                outcome.rejected.append(
                    RowRejection(line: draft.sourceLine, fields: fields(draft.sourceLine), problems: [problem]))
            }
            let line = draft.sourceLine
            var match: ExistingDevice?
            var byName = false
            if let name = draft.requestedName, let named = index.byName[name] {
                match = named
                byName = true
            } else if let mac = draft.mac, let owner = index.byMAC[mac.hex] {
                match = owner
            } else if let keyed = index.byKey[draft.naturalKey] {
                match = keyed
            } else if draft.mac != nil, let keyed = index.byKey[draft.rowKey], claimed[keyed.device.id] == nil {
                match = keyed
            }

            guard let match else {
                if let first = keysHere[draft.naturalKey] {
                    reject(validator.duplicate(draft, ofLine: String(first)))
                } else if createsNew {
                    keysHere[draft.naturalKey] = line
                    outcome.fresh.append(draft)
                } else {
                    reject(
                        RowProblem(
                            tag: .deviceUnknown, column: nil, columnName: nil, value: nil,
                            reason: "matches no device in the store (by DEVICE NAME, MAC ADDRESS, or owner, model "
                                + "and first line); --existing-only changes provisioned devices only: create it "
                                + "with `mrabat insert`"))
                }
                continue
            }
            let device = match.device
            if let first = claimed[device.id] {
                // Worded as the in-file check words it (which sees the rows, not the store): by key, else by name.
                reject(
                    index.byKey[draft.naturalKey]?.device.id == device.id || !byName
                        ? validator.duplicate(draft, ofLine: String(first))
                        : validator.sameName(draft, ofLine: String(first)))
                continue
            }
            if let name = draft.requestedName, name != device.name, !device.name.hasPrefix("SEP") {
                reject(
                    validator.problem(
                        .deviceNameUnknown, .deviceName, name,
                        "is no device's name, and this row's owner, model and first line are those of "
                            + "\(device.name): write that name, or leave DEVICE NAME empty"))
                continue
            }

            var mac = device.mac
            var name = device.name
            if let rowMAC = draft.mac?.hex, rowMAC != device.mac {
                if let current = device.mac {
                    reject(
                        validator.problem(
                            .macCannotChange, .macAddress, rowMAC,
                            match.activated
                                ? "differs from \(current), the MAC of the phone that activated as \(device.name); "
                                    + "a MAC cannot change: delete \(device.name) and insert the new phone"
                                : "differs from \(current), the MAC \(device.name) is provisioned for; a MAC cannot "
                                    + "change: delete \(device.name) and insert the new phone"))
                    continue
                }
                mac = rowMAC
                name = "SEP" + rowMAC
            }
            if match.activated && draft.model != device.model {
                reject(
                    validator.problem(
                        .deviceTypeCannotChange, .deviceType, draft.model,
                        "differs from \(device.model), the model of the phone that activated as \(device.name); "
                            + "to replace the phone, delete \(device.name) and insert the new one"))
                continue
            }
            let key: NaturalKey
            if let mac, case .mac = match.naturalKey {
                key = .mac(mac)
            } else if let mac, device.mac == nil {
                key = .mac(mac)
            } else {
                key = draft.rowKey
            }
            if key != match.naturalKey {
                if let first = keysHere[key] {
                    reject(validator.duplicate(draft, ofLine: String(first)))
                    continue
                }
                if let other = index.byKey[key], other.device.id != device.id {
                    reject(Self.sameAsOther(other.device, line: claimed[other.device.id]))
                    continue
                }
            }
            claimed[device.id] = line
            keysHere[key] = line
            var changes: [FieldChange] = []
            if mac != device.mac {
                changes.append(FieldChange(field: "MAC ADDRESS", old: device.mac, new: mac))
                changes.append(FieldChange(field: "DEVICE NAME", old: device.name, new: name))
            }
            if device.attributes != draft.attributes { changes += device.attributes.changes(to: draft.attributes) }
            if changes.isEmpty {
                outcome.unchanged.append((line, device.id))
                outcome.matchedNames[line] = device.name
            } else {
                index.remove(match)
                var changed = match
                changed.device = StoredDevice(id: device.id, name: name, mac: mac, attributes: draft.attributes)
                changed.naturalKey = key
                index.insert(changed)
                outcome.updated.append(
                    DeviceUpdate(
                        line: line, deviceID: device.id, previousName: device.name, name: name, mac: mac,
                        naturalKey: key.stored, attributes: draft.attributes, templateName: draft.templateName,
                        changes: changes))
            }
        }
        return outcome
    }

    /// The devices of one lookup, by each of their identifiers.
    ///
    /// The tables hold positions in ``devices``, not the devices: a device is a large value (every
    /// field, its lines), and copying each into three tables was 40 % of reconciling a re-run's chunk.
    private struct Index {
        private var devices: [ExistingDevice] = []
        private var keys: [NaturalKey: Int] = [:]
        private var macs: [String: Int] = [:]
        private var names: [String: Int] = [:]

        /// One of the tables, looked up as a dictionary of devices.
        struct Table<Key: Hashable> {
            let devices: [ExistingDevice]
            let positions: [Key: Int]
            subscript(key: Key) -> ExistingDevice? { positions[key].map { devices[$0] } }
        }

        var byKey: Table<NaturalKey> { Table(devices: devices, positions: keys) }
        var byMAC: Table<String> { Table(devices: devices, positions: macs) }
        var byName: Table<String> { Table(devices: devices, positions: names) }

        init(_ existing: [ExistingDevice]) {
            devices = existing
            keys.reserveCapacity(existing.count)
            names.reserveCapacity(existing.count)
            for position in existing.indices { index(position) }
        }

        mutating func insert(_ match: ExistingDevice) {
            devices.append(match)
            index(devices.count - 1)
        }

        /// The first device with an identifier keeps it.
        private mutating func index(_ position: Int) {
            let match = devices[position]
            if keys[match.naturalKey] == nil { keys[match.naturalKey] = position }
            if let mac = match.device.mac, macs[mac] == nil { macs[mac] = position }
            if names[match.device.name] == nil { names[match.device.name] = position }
        }

        /// Forgets `match` under each of its identifiers (a row changed them).
        mutating func remove(_ match: ExistingDevice) {
            let id = match.device.id
            func owns(_ position: Int?) -> Bool { position.map { devices[$0].device.id == id } ?? false }
            if owns(keys[match.naturalKey]) { keys[match.naturalKey] = nil }
            if let mac = match.device.mac, owns(macs[mac]) { macs[mac] = nil }
            if owns(names[match.device.name]) { names[match.device.name] = nil }
        }
    }

    /// `already provisioned as BAT… with a different DEVICE POOL ("Dallas" in the store, "Austin" in this row)`.
    /// What a natural key says in words, for a reason.
    static func describe(_ key: NaturalKey) -> String {
        switch key {
        case .mac(let hex): "MAC \(hex)"
        case .row(let owner, let model, let dn, _): "\(owner)'s \(model) on \(dn)"
        }
    }

    static func conflict(_ device: StoredDevice, _ change: FieldChange) -> RowProblem {
        func shown(_ value: String?) -> String { value.map { "\"\($0)\"" } ?? "none" }
        return RowProblem(
            tag: .alreadyProvisioned, column: nil, columnName: nil, value: nil,
            reason: "already provisioned as \(device.name) with a different \(change.field) "
                + "(\(shown(change.old)) in the store, \(shown(change.new)) in this row); "
                + "insert does not change provisioned devices: `mrabat update` does")
    }

    /// The change would make the device the same phone (owner, model, first line) as `other`, which
    /// an earlier row of this job (`line`) created or changed, or which the store has.
    static func sameAsOther(_ other: StoredDevice, line: Int?) -> RowProblem {
        RowProblem(
            tag: .sameAsOtherDevice, column: nil, columnName: nil, value: nil,
            reason: "would give the device the owner, model and first line of "
                + (line.map { "the device of line \($0)" } ?? "device \(other.name)")
                + "; one phone per owner, model and first line (or give it a MAC ADDRESS)")
    }
}
