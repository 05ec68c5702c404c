/// Template and cluster values that a phone's config file would carry but cannot, found once per job.
///
/// Every device of a job takes its profile names and line defaults from the template, and its pool,
/// call-manager nodes, firmware load and service domain from the cluster. A value there that
/// ``FieldText`` refuses (a control character or U+FFFE/U+FFFF written as a YAML escape, a name longer
/// than the schema allows) would let the job commit and then fail to write every config file, on
/// every re-run. So each affected row is rejected before anything is stored, naming the template or
/// cluster key; rows that use only sound pools, models and domains go in.
struct ConfigurationProblems {
    /// Problems of the template and of cluster-wide values: every row has them.
    var everyRow: [RowProblem] = []
    /// Problems of one device pool (its name, call-manager group and nodes), by lowercased name.
    var pools: [String: RowProblem] = [:]
    /// Problems of one catalogued model (its load, and its button template unless the template sets one).
    var models: [String: RowProblem] = [:]
    /// Problems of one service domain (name, DNS domain), by lowercased name.
    var domains: [String: RowProblem] = [:]

    init(cluster: ClusterConfig, template: PhoneTemplate) {
        let source = "template \"\(template.name)\""
        var values: [Entry] = [
            Entry("name", template.name, limit: 100), Entry("protocol", template.deviceProtocol),
            Entry("phoneButtonTemplate", template.phoneButtonTemplate, limit: 100),
            Entry("softkeyTemplate", template.softkeyTemplate, limit: 100),
            Entry("securityProfile", template.securityProfile, limit: 100),
            Entry("sipProfile", template.sipProfile, limit: 100), Entry("css", template.css, limit: 50),
            Entry("location", template.location, limit: 50), Entry("userLocale", template.userLocale, limit: 50),
        ]
        for (offset, line) in template.lines.enumerated() {
            values += [
                Entry("lines[\(offset + 1)].partition", line.partition, limit: RowValidator.Limit.name),
                Entry("lines[\(offset + 1)].display", line.display, limit: RowValidator.Limit.display),
                Entry("lines[\(offset + 1)].label", line.label, limit: RowValidator.Limit.label),
            ]
        }
        if let found = Self.problem(.templateValue, source, values) { everyRow.append(found) }

        let clusterSource = "cluster \"\(cluster.name)\""
        if let found = Self.problem(.clusterValue, clusterSource, [Entry("activationDomain", cluster.activationDomain)])
        {
            everyRow.append(found)
        }
        for pool in cluster.devicePools {
            var entries = [
                Entry("devicePools[\(pool.name)].name", pool.name),
                Entry("devicePools[\(pool.name)].callManagerGroup", pool.callManagerGroup),
            ]
            for node in cluster.callManagerGroup(named: pool.callManagerGroup)?.members ?? [] {
                let key = "callManagerGroups[\(pool.callManagerGroup)].members[\(node.name)]"
                entries += [Entry(key + ".name", node.name), Entry(key + ".processNodeName", node.processNodeName)]
            }
            pools[pool.name.lowercased()] = Self.problem(.clusterValue, clusterSource, entries)
        }
        for model in cluster.models {
            var entries = [Entry("models[\(model.name)].load", model.loadInformation)]
            if template.phoneButtonTemplate == nil {
                entries.append(Entry("models[\(model.name)].phoneButtonTemplate", model.phoneButtonTemplate))
            }
            models[model.name] = Self.problem(.clusterValue, clusterSource, entries)
        }
        for domain in cluster.serviceDomains {
            domains[domain.name.lowercased()] = Self.problem(
                .clusterValue, clusterSource,
                [
                    Entry("serviceDomains[\(domain.name)].name", domain.name),
                    Entry("serviceDomains[\(domain.name)].domain", domain.domain),
                ])
        }
    }

    /// A key and its value, with the schema's length limit where it has one.
    struct Entry {
        var key: String
        var value: String?
        var limit: Int?

        init(_ key: String, _ value: String?, limit: Int? = nil) {
            self.key = key
            self.value = value
            self.limit = limit
        }
    }

    /// One row-level problem naming every bad entry, or nil when all are sound.
    static func problem(_ tag: RowProblem.Tag, _ source: String, _ entries: [Entry]) -> RowProblem? {
        var faults: [String] = []
        for entry in entries {
            guard let value = entry.value else { continue }
            let shown = "\(entry.key) \"\(FieldText.visible(value))\""
            if let flaw = FieldText.flaw(in: value) {
                faults.append("\(shown) contains \(flaw.name) (character \(flaw.position))")
            } else if let limit = entry.limit, FieldText.length(value) > limit {
                faults.append("\(shown) is \(FieldText.length(value)) characters long (at most \(limit))")
            }
        }
        guard !faults.isEmpty else { return nil }
        return RowProblem(
            tag: tag, column: nil, columnName: nil, value: nil,
            reason: "\(source): " + faults.joined(separator: ", ")
                + "; a config file cannot carry it, so no device can use it until it is fixed")
    }
}
