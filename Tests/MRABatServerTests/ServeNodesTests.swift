import Foundation
import MRABatKit
import MRABatServer
import TestSupport
import Testing

/// Two `mrabat serve` nodes on one PostgreSQL store (SPEC §9): phones reach either node, and the
/// database, not a node's memory, decides which of racing activations of one code wins.
@Suite(.serialized, .timeLimit(.minutes(15))) struct ServeNodesTests {
    @Test func sixteenClientsOnTwoNodesRaceForFourCodesAndExactlyFourWin() async throws {
        let f = try await ServeFixture("nodes", phones: 4, backend: .postgres)
        let nodes = [try await f.serve(), try await f.serve()]
        defer { for node in nodes { _ = try? node.stop() } }
        // Four clients per code, two on each node, each phone with its own MAC and MIC.
        var racers: [(server: String, code: ActivationCode, mac: MACAddress, mic: (certificate: String, key: String))] =
            []
        for client in 0..<16 {
            let hex = String(format: "00AA11BB3%03X", client)
            racers.append(
                (
                    nodes[client % 2].https, try #require(ActivationCode(userInput: f.phones[client % 4].code)),
                    try #require(MACAddress(parsing: hex)), try f.mic(hex)
                ))
        }
        let outcomes = await withTaskGroup(of: (Int, String).self) { group in
            for (index, racer) in racers.enumerated() {
                group.addTask {
                    do {
                        let client = try ActivationClient(
                            server: racer.server, micCertificate: racer.mic.certificate, micKey: racer.mic.key,
                            serverCA: f.serverCA.certificate, connections: 1)
                        defer { Task { await client.shutdown() } }
                        return (
                            index, try await client.activate(code: racer.code, mac: racer.mac, model: "8845").device
                        )
                    } catch let refusal as ActivationRefusal {
                        return (index, refusal.reason.rawValue)
                    } catch {
                        return (index, "error: \(error)")
                    }
                }
            }
            var all: [Int: String] = [:]
            for await (index, outcome) in group { all[index] = outcome }
            return all
        }
        let winners = outcomes.filter { $0.value.hasPrefix("SEP") }
        #expect(winners.count == 4, "\(outcomes.sorted { $0.key < $1.key })")
        #expect(outcomes.values.filter { $0 == "already-used" }.count == 12, "\(outcomes.sorted { $0.key < $1.key })")
        // One winner per code, and each winner is the phone it claims to be.
        #expect(Set(winners.keys.map { $0 % 4 }) == [0, 1, 2, 3], "\(winners)")
        for (index, device) in winners { #expect(device == racers[index].mac.deviceName) }

        #expect(try TestPostgres.query(f.db, "SELECT COUNT(*) FROM activation_code WHERE status = 'used'") == [["4"]])
        #expect(
            try TestPostgres.query(f.db, "SELECT COUNT(*) FROM activation_code WHERE status = 'outstanding'") == [["0"]]
        )
        #expect(
            try TestPostgres.query(f.db, "SELECT COUNT(*) FROM audit WHERE event = 'activate' AND outcome = 'ok'")
                == [["4"]])
        #expect(
            try TestPostgres.query(
                f.db, "SELECT COUNT(*) FROM audit WHERE event = 'activate' AND outcome = 'already-used'"
            )
            .first?.first.flatMap { $0 }.flatMap { Int($0) } ?? 0 >= 1)
        let names = try TestPostgres.query(f.db, "SELECT name FROM device ORDER BY name").compactMap { $0.first ?? nil }
        #expect(Set(names) == Set(winners.values))
        // Each node serves every winner's config file, whichever node activated it.
        let raw = try RawClient()
        defer { Task { await raw.shutdown() } }
        for node in nodes {
            for device in winners.values {
                #expect(try await raw.get(node.config + "/\(device).cnf.xml").status == 200, "\(device)")
            }
        }
        for node in nodes { #expect(try node.stop() == 0, "\(node.stderr)") }
    }
}
