import Foundation
import GRDB
import MRABatKit

/// One phone of the nightly scenarios: a row of the HR export that feeds `update` every night.
///
/// Phones without a MAC carry a fixed `DEVICE NAME` (`BAT…`), as an export of provisioned phones
/// does, so that a fresh store fed the same rows by `insert` names them the same: that store is the
/// oracle the nightly runs are compared with, byte for byte.
struct NightlyPhone: Equatable {
    var name: String
    var mac: String
    var description: String
    var model: String
    var pool: String
    var owner: String
    var dn1: String
    var display1: String
    var dn2 = ""
    var display2 = ""

    static let header = [
        "DEVICE NAME", "MAC ADDRESS", "DESCRIPTION", "DEVICE TYPE", "DEVICE POOL", "OWNER USER ID",
        "DIRECTORY NUMBER 1", "DISPLAY 1", "DIRECTORY NUMBER 2", "DISPLAY 2",
    ]

    /// Phone `i` of the population: one in five has a MAC (and so a `SEP…` name), the others a fixed `BAT…` name.
    static func number(_ i: Int) -> NightlyPhone {
        let models = ["Cisco 8845", "Cisco 7841", "Cisco 8865", "Cisco 7821"]
        let pools = ["DP-Dallas", "DP-NewYork", "DP-Frankfurt", "DP-Amsterdam"]
        let mac = i % 5 == 0 ? String(format: "0C%010X", 0x5000 + i) : ""
        return NightlyPhone(
            name: mac.isEmpty ? String(format: "BAT%012X", 0xA0_0000 + i) : "", mac: mac,
            description: "Desk \(i)", model: models[i % models.count], pool: pools[(i / 4) % pools.count],
            owner: "user\(i)", dn1: String(30_000 + i), display1: "User \(i)")
    }

    /// The device name mrabat gives it.
    var deviceName: String { mac.isEmpty ? name : "SEP" + mac }

    var fields: [String] {
        [name, mac, description, model, pool, owner, dn1, display1, dn2, display2]
    }

    /// Writes `phones` as a BAT CSV file (plus `extra` raw rows at the end).
    static func write(_ phones: [NightlyPhone], extra: [[String]] = [], to path: String) throws {
        var text = CSVText.record(header)
        for phone in phones { text += CSVText.record(phone.fields) }
        for row in extra { text += CSVText.record(row) }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
}

extension Harness {
    static let nightlyTemplate = "Templates/mra-88xx-5line.yaml"

    func update(_ csv: String, out: String, _ extra: [String] = []) async throws -> Result {
        try await run(["update", csv, "--template", Self.repo(Self.nightlyTemplate), "--out", path(out)] + extra)
    }

    func plan(_ csv: String, _ extra: [String] = []) async throws -> Result {
        try await run(["plan", csv, "--template", Self.repo(Self.nightlyTemplate)] + extra)
    }

    /// Every config file under `relative` (final names only), by name, as bytes.
    func fileBytes(_ relative: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try self.files(in: relative) where !name.hasPrefix(".") {
            files[name] = FileManager.default.contents(atPath: path(relative + "/" + name))
        }
        return files
    }

    /// `files` with the values derived from a device's store id — `<device uuid>`, each line's `<contact>`
    /// and the `<versionStamp>` that hashes them — replaced by placeholders, so that the files of two
    /// stores holding the same devices under other ids compare equal.
    static func withoutDeviceIdentity(_ files: [String: Data]) -> [String: String] {
        let patterns = [
            (#"uuid="\{[0-9a-fA-F-]+\}""#, #"uuid="{…}""#),
            (#"<contact>[^<]*</contact>"#, "<contact>…</contact>"),
            (#"<versionStamp>[^<]*</versionStamp>"#, "<versionStamp>…</versionStamp>"),
        ]
        return files.mapValues { data in
            var text = String(decoding: data, as: UTF8.self)
            for (pattern, placeholder) in patterns {
                text = text.replacingOccurrences(of: pattern, with: placeholder, options: .regularExpression)
            }
            return text
        }
    }

    /// Inode and modification time of each file under `relative`: what tells a rewritten file from an untouched one.
    func fileIdentities(_ relative: String) throws -> [String: String] {
        var identities: [String: String] = [:]
        for name in try self.files(in: relative) where !name.hasPrefix(".") {
            var status = stat()
            guard stat(path(relative + "/" + name), &status) == 0 else { continue }
            identities[name] = "\(status.st_ino)/\(status.st_mtim.tv_sec).\(status.st_mtim.tv_nsec)"
        }
        return identities
    }

    /// The devices with every field and line, without what differs between two stores fed the same
    /// rows (ids, jobs, times, codes): sorted text lines, one per device and one per line.
    func deviceRows() throws -> [String] {
        let devices = try rows(
            """
            SELECT name, mac, natural_key, model, device_pool, service_domain, owner_user_id, user_id, description,
                location, css, protocol, phone_button_template, softkey_template, security_profile,
                sip_profile, user_locale, requires_activation_code, allow_activation_code_via_mra,
                template_name, activated_at IS NOT NULL AS activated
            FROM device ORDER BY name
            """
        ).map(Self.joined)
        let lines = try rows(
            """
            SELECT d.name, l.idx, l.dn, l.display, l.label, l.partition, l.max_num_calls, l.busy_trigger,
                l.external_phone_number_mask, l.ascii_display, l.ascii_label, l.ring_setting_idle,
                l.ring_setting_active
            FROM line l JOIN device d ON d.id = l.device_id ORDER BY d.name, l.idx
            """
        ).map { "line " + Self.joined($0) }
        return devices + lines
    }

    /// A row of ``rows(_:)`` as one line of text (`NULL` for NULL).
    static func joined(_ row: [String?]) -> String { row.map { $0 ?? "NULL" }.joined(separator: "|") }

    /// Everything the store holds of its devices and codes, ids and secrets included: what an undo
    /// must put back exactly.
    func fullStoreRows() throws -> [String] {
        try rows("SELECT * FROM device ORDER BY id").map(Self.joined)
            + rows("SELECT * FROM line ORDER BY device_id, idx").map(Self.joined)
            + rows(
                """
                SELECT device_id, identity, salt, verifier, sealed, status, bound_mac, issued_at,
                    expires_at, ended_at, job_id FROM activation_code ORDER BY device_id, identity
                """
            ).map(Self.joined)
    }

    /// Each device's outstanding code identity, by device name.
    func outstandingIdentities() throws -> [String: String] {
        let found = try rows(
            """
            SELECT d.name, c.identity FROM device d
            JOIN activation_code c ON c.device_id = d.id AND c.status = 'outstanding'
            """)
        return Dictionary(uniqueKeysWithValues: found.map { ($0[0] ?? "", $0[1] ?? "") })
    }

    /// `mrabat job N --json`'s rows.
    func jobRows(_ id: Int64) async throws -> [[String: Any]] {
        let result = try await run(["job", String(id), "--json"])
        precondition(result.status == 0, result.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        return object?["rows"] as? [[String: Any]] ?? []
    }

    /// The id of the last job.
    func lastJob() throws -> Int64 {
        Int64(try count("SELECT COALESCE(MAX(id), 0) FROM job"))
    }
}
