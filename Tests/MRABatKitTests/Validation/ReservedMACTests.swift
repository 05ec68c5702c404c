import Testing

@testable import MRABatKit

/// Addresses that parse but that no phone has: rejected, saying which kind they are.
@Suite("Reserved MAC addresses")
struct ReservedMACTests {
    @Test(arguments: [
        ("000000000000", MACAddress.Reserved.allZero, RowProblem.Tag.macAllZero, "all-zero address"),
        ("00:00:00:00:00:00", .allZero, .macAllZero, "all-zero address"),
        ("FFFFFFFFFFFF", .broadcast, .macBroadcast, "broadcast address FF:FF:FF:FF:FF:FF"),
        ("ff-ff-ff-ff-ff-ff", .broadcast, .macBroadcast, "broadcast address"),
        ("01005E000001", .multicast, .macMulticast, "multicast address (01:00:5E:00:00:01"),
        ("333300000001", .multicast, .macMulticast, "multicast address (33:33:00:00:00:01"),
        ("0100.0ccc.cccc", .multicast, .macMulticast, "I/G bit is set"),
        ("FFFFFFFFFFFE", .multicast, .macMulticast, "multicast address"),
        ("0F1A2B3C4D5E", .multicast, .macMulticast, "multicast address"),
    ])
    func rejected(spelling: String, kind: MACAddress.Reserved, tag: RowProblem.Tag, reason: String) throws {
        let mac = try #require(MACAddress(parsing: spelling))
        #expect(mac.reserved == kind)
        var row = RowValidatorTests.good
        row[0] = spelling
        guard case .failure(let rejection) = try RowValidatorTests.validator().validate(fields: row, line: 8) else {
            Issue.record("\(spelling) was accepted")
            return
        }
        #expect(rejection.problems.count == 1, "\(rejection.problems)")
        #expect(rejection.tag == tag)
        #expect(rejection.problems[0].column == 1)
        #expect(rejection.reason.contains("MAC ADDRESS \"\(spelling)\": is "), "\(rejection.reason)")
        #expect(rejection.reason.contains(reason), "\(rejection.reason)")
        #expect(rejection.reason.contains("no phone has it"), "\(rejection.reason)")
    }

    /// Unicast addresses, including locally administered ones and those next to the reserved ones.
    @Test(arguments: ["001A2B3C4D5E", "000000000001", "FEFFFFFFFFFF", "02005E000001", "EEEEEEEEEEEE", "3C0E23ABCDEF"])
    func accepted(spelling: String) throws {
        let mac = try #require(MACAddress(parsing: spelling))
        #expect(mac.reserved == nil)
        var row = RowValidatorTests.good
        row[0] = spelling
        let draft = try RowValidatorTests.validator().validate(fields: row, line: 8).get()
        #expect(draft.mac == mac)
    }

    @Test func colonSeparatedForMessages() throws {
        #expect(try #require(MACAddress(parsing: "001a.2b3c.4d5e")).colonSeparated == "00:1A:2B:3C:4D:5E")
    }
}
