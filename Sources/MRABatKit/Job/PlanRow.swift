/// What `update` would do with one row, as `plan` reports it.
package struct PlanRow: Sendable, Equatable {
    package enum Action: String, Sendable, CaseIterable {
        case create, update, unchanged, reject
    }

    /// The input line the row starts on.
    package var line: Int
    package var action: Action
    /// The device the row matched, or the name a new device would get when the row fixes it (a MAC, a
    /// `DEVICE NAME`); nil for a new device that would get a fresh `BAT…` name, and for rejected rows.
    package var device: String?
    /// For `update`: every changed field, old → new.
    package var changes: [FieldChange]
    /// For `reject`: every reason, as `rejects.csv` gives them.
    package var reason: String?

    package init(line: Int, action: Action, device: String?, changes: [FieldChange] = [], reason: String? = nil) {
        self.line = line
        self.action = action
        self.device = device
        self.changes = changes
        self.reason = reason
    }

    /// The rows of a reconciled chunk, in line order.
    static func rows(of outcome: StoreReconciler.Outcome) -> [PlanRow] {
        var rows: [PlanRow] = []
        rows.reserveCapacity(
            outcome.fresh.count + outcome.unchanged.count + outcome.updated.count + outcome.rejected.count)
        for draft in outcome.fresh {
            rows.append(
                PlanRow(line: draft.sourceLine, action: .create, device: draft.mac?.deviceName ?? draft.requestedName))
        }
        for (line, _) in outcome.unchanged {
            rows.append(PlanRow(line: line, action: .unchanged, device: outcome.matchedNames[line]))
        }
        for update in outcome.updated {
            rows.append(PlanRow(line: update.line, action: .update, device: update.name, changes: update.changes))
        }
        for rejection in outcome.rejected {
            rows.append(PlanRow(line: rejection.line, action: .reject, device: nil, reason: rejection.reason))
        }
        return rows.sorted { $0.line < $1.line }
    }
}
