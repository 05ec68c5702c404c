/// How each checked row relates to what the store already holds.
///
/// A row that requests a `DEVICE NAME` (an export re-imported) is matched by that name first: the
/// device of that name with the same fields is `unchanged`, with other fields a conflict. A row whose
/// natural key matches a device under another name than the one it requests is a conflict too (one
/// phone, two names). Otherwise, a row whose natural key matches a device with the same fields is a re-run: `unchanged`, no new
/// device and no new code. A match with different fields is a conflict, rejected naming the first
/// field that differs (`insert` never changes a provisioned device). A MAC another device has is
/// rejected. A device this job already wrote or found unchanged for an earlier row is an in-file
/// duplicate. Everything else is new.
///
/// Pure: the caller fetches the matching devices and this job's lines for them, so the rule is
/// testable without a store and the same for every backend.
struct StoreReconciler {
    let validator: RowValidator

    struct Outcome: Sendable {
        var fresh: [DeviceDraft] = []
        var unchanged: [(line: Int, deviceID: Int64)] = []
        var rejected: [RowRejection] = []
    }

    /// Sorts `drafts` into new, unchanged and rejected.
    ///
    /// - Parameters:
    ///   - existing: devices sharing a natural key, MAC or requested name with `drafts`.
    ///   - linesInThisJob: for devices among `existing` that this job already has a row for, that row's line.
    ///   - fields: the row's fields as read, for `rejects.csv`.
    func reconcile(
        _ drafts: [DeviceDraft], existing: [ExistingDevice], linesInThisJob: [Int64: Int],
        fields: (Int) -> [String]
    ) -> Outcome {
        var outcome = Outcome()
        guard !existing.isEmpty else {
            outcome.fresh = drafts
            return outcome
        }
        let byKey = Dictionary(existing.map { ($0.naturalKey, $0) }, uniquingKeysWith: { first, _ in first })
        let byMAC = Dictionary(
            existing.compactMap { match in match.device.mac.map { ($0, match) } },
            uniquingKeysWith: { first, _ in first })
        let byName = Dictionary(existing.map { ($0.device.name, $0) }, uniquingKeysWith: { first, _ in first })
        for draft in drafts {
            func reject(_ problem: RowProblem) {
                outcome.rejected.append(
                    RowRejection(line: draft.sourceLine, fields: fields(draft.sourceLine), problems: [problem]))
            }
            let match = byKey[draft.naturalKey]
            if let name = draft.requestedName, let named = byName[name] {
                if let first = linesInThisJob[named.device.id] {
                    reject(validator.duplicate(draft, ofLine: String(first), byName: true))
                } else if named.device.attributes == draft.attributes {
                    outcome.unchanged.append((draft.sourceLine, named.device.id))
                } else if let change = named.device.attributes.changes(to: draft.attributes).first {
                    reject(Self.conflict(named.device, change))
                } else {
                    outcome.unchanged.append((draft.sourceLine, named.device.id))
                }
            } else if let match, let name = draft.requestedName, match.device.name != name,
                linesInThisJob[match.device.id] == nil
            {
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
                } else if let change = match.device.attributes.changes(to: draft.attributes).first {
                    reject(Self.conflict(match.device, change))
                } else {
                    outcome.unchanged.append((draft.sourceLine, match.device.id))
                }
            } else if let mac = draft.mac, let owner = byMAC[mac.hex] {
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

    /// What a natural key says in words, for a reason.
    static func describe(_ key: NaturalKey) -> String {
        switch key {
        case .mac(let hex): "MAC \(hex)"
        case .row(let owner, let model, let dn, _): "\(owner)'s \(model) on \(dn)"
        }
    }

    /// `already provisioned as BAT… with a different DEVICE POOL ("Dallas" in the store, "Austin" in this row)`.
    static func conflict(_ device: StoredDevice, _ change: FieldChange) -> RowProblem {
        func shown(_ value: String?) -> String { value.map { "\"\($0)\"" } ?? "none" }
        return RowProblem(
            tag: .alreadyProvisioned, column: nil, columnName: nil, value: nil,
            reason: "already provisioned as \(device.name) with a different \(change.field) "
                + "(\(shown(change.old)) in the store, \(shown(change.new)) in this row); "
                + "insert does not change provisioned devices")
    }
}
