/// What reconciliation sees of the store: the devices as the job's own writes have left them, and
/// which of them the job has matched already.
///
/// A job asks its own transaction, which holds its earlier chunks' writes. `validate` asks the store
/// read-only. `plan` writes nothing, yet must decide every row as `update` would: it asks the store
/// and lays over the answer what its earlier chunks would have written (``PlanOverlay``), so that
/// `plan` and `update` see the same devices at every chunk.
struct DeviceLookup {
    private let writer: (any JobWriter)?
    private let store: (any Store)?
    private var overlay: PlanOverlay?

    /// - Parameter plan: lay this job's decisions over the store's answers (`plan`).
    init(writer: (any JobWriter)?, store: (any Store)?, plan: Bool) {
        self.writer = writer
        self.store = store
        overlay = writer == nil && plan ? PlanOverlay() : nil
    }

    /// Devices with one of `keys`, MACs `macs` or names `names`, each once.
    func existing(keys: [NaturalKey], macs: [String], names: [String]) async throws -> [ExistingDevice] {
        var found: [ExistingDevice]
        if let writer {
            found = try await writer.existingDevices(keys: keys, macs: macs, names: names)
        } else if let store {
            found = try await store.existingDevices(keys: keys, macs: macs, names: names)
        } else {
            found = []
        }
        if let overlay { found = overlay.apply(found, keys: keys, macs: macs, names: names) }
        var seen = Set<Int64>()
        return found.filter { seen.insert($0.device.id).inserted }
    }

    /// For each of `deviceIDs` the job has a row for, that row's line.
    func claimedLines(_ deviceIDs: [Int64]) async throws -> [Int64: Int] {
        if let writer { return try await writer.lines(ofDevices: deviceIDs) }
        return overlay?.claimedLines(deviceIDs) ?? [:]
    }

    /// Takes note of a reconciled chunk's decisions (`plan`: what `update` would now have written).
    mutating func note(_ outcome: StoreReconciler.Outcome, existing: [ExistingDevice]) {
        overlay?.note(outcome, existing: existing)
    }
}

/// What `plan` would have written so far: devices changed and created, and the rows that matched them.
///
/// Holds one entry per matched or created row, as `validate` holds every row's key: `plan` writes
/// nothing, so its memory is the price of deciding like `update`.
struct PlanOverlay {
    /// Devices as the plan's changes left them, and the ones it would create (negative ids).
    private var devices: [Int64: ExistingDevice] = [:]
    private var claimed: [Int64: Int] = [:]
    private var byKey: [NaturalKey: Int64] = [:]
    private var byMAC: [String: Int64] = [:]
    private var byName: [String: Int64] = [:]
    private var nextCreatedID: Int64 = -1

    /// `found` (the store's answer for `keys`, `macs`, `names`) as the plan's earlier chunks left it.
    func apply(_ found: [ExistingDevice], keys: [NaturalKey], macs: [String], names: [String]) -> [ExistingDevice] {
        let keySet = Set(keys)
        let macSet = Set(macs)
        let nameSet = Set(names)
        func matches(_ match: ExistingDevice) -> Bool {
            keySet.contains(match.naturalKey) || match.device.mac.map(macSet.contains) == true
                || nameSet.contains(match.device.name)
        }
        var result: [ExistingDevice] = []
        for match in found {
            if let changed = devices[match.device.id] {
                if matches(changed) { result.append(changed) }
            } else {
                result.append(match)
            }
        }
        let ids = keys.compactMap { byKey[$0] } + macs.compactMap { byMAC[$0] } + names.compactMap { byName[$0] }
        for id in ids { if let match = devices[id] { result.append(match) } }
        return result
    }

    func claimedLines(_ deviceIDs: [Int64]) -> [Int64: Int] {
        var lines: [Int64: Int] = [:]
        for id in deviceIDs { if let line = claimed[id] { lines[id] = line } }
        return lines
    }

    mutating func note(_ outcome: StoreReconciler.Outcome, existing: [ExistingDevice]) {
        let before = Dictionary(existing.map { ($0.device.id, $0) }, uniquingKeysWith: { first, _ in first })
        for (line, id) in outcome.unchanged { claimed[id] = line }
        for update in outcome.updated {
            claimed[update.deviceID] = update.line
            let key: NaturalKey =
                update.naturalKey.hasPrefix("mac:")
                ? .mac(String(update.naturalKey.dropFirst(4))) : NaturalKey(mac: nil, attributes: update.attributes)
            remember(
                ExistingDevice(
                    device: StoredDevice(
                        id: update.deviceID, name: update.name, mac: update.mac, attributes: update.attributes),
                    naturalKey: key, jobID: before[update.deviceID]?.jobID ?? 0,
                    activated: before[update.deviceID]?.activated ?? false))
        }
        for draft in outcome.fresh {
            let id = nextCreatedID
            nextCreatedID -= 1
            claimed[id] = draft.sourceLine
            remember(
                ExistingDevice(
                    device: StoredDevice(
                        id: id, name: draft.mac?.deviceName ?? draft.requestedName ?? "", mac: draft.mac?.hex,
                        attributes: draft.attributes),
                    naturalKey: draft.naturalKey, jobID: 0))
        }
    }

    private mutating func remember(_ match: ExistingDevice) {
        let id = match.device.id
        devices[id] = match
        byKey[match.naturalKey] = id
        if let mac = match.device.mac { byMAC[mac] = id }
        if !match.device.name.isEmpty { byName[match.device.name] = id }
    }
}
