import Testing

@testable import MRABatKit

@Suite("BAT header")
struct CSVBATHeaderTests {
    private func header(_ fields: [String], mapping: [String: String] = [:]) throws -> BATHeader {
        try BATHeader(fields: fields, file: "phones.csv", line: 3, mapping: mapping)
    }

    private func structureError(_ fields: [String], mapping: [String: String] = [:]) -> MRABatError? {
        do {
            _ = try header(fields, mapping: mapping)
            return nil
        } catch {
            return error as? MRABatError
        }
    }

    @Test(
        "names fold case and white space; aliases",
        arguments: [
            ("DIRECTORY NUMBER  1", BATColumn.directoryNumber(1)),
            ("  directory\u{A0}number\t12 ", .directoryNumber(12)),
            ("Directory Number3", .directoryNumber(3)),
            ("DN 2", .directoryNumber(2)),
            ("display 4", .display(4)),
            ("Line Text Label 1", .lineTextLabel(1)),
            ("partition 1", .partition(1)),
            ("ROUTE PARTITION 2", .partition(2)),
            ("mac address", .macAddress),
            ("MAC", .macAddress),
            ("Model", .deviceType),
            ("phone  type", .deviceType),
            ("Device Type", .deviceType),
            ("device pool", .devicePool),
            ("User ID", .userID),
            ("USER ID 1", .userID),
            ("OWNER USER ID", .ownerUserID),
            ("Device Name", .deviceName),
            ("DIRECTORY NUMBER", .directoryNumber(1)),
            ("DN", .directoryNumber(1)),
            ("Partition", .partition(1)),
            ("Line Text Label", .lineTextLabel(1)),
            ("Maximum Number of Calls 1", .maxNumCalls(1)),
            ("Busy Trigger 3", .busyTrigger(3)),
            ("External Phone Number Mask 1", .externalPhoneNumberMask(1)),
            ("ASCII Display 2", .asciiDisplay(2)),
            ("ASCII Line Text Label 1", .asciiLineTextLabel(1)),
            ("Ring setting (Phone Idle) 1", .ringSettingIdle(1)),
            ("Ring Setting (Phone Active) 1", .ringSettingActive(1)),
            ("mra service domain", .mraServiceDomain),
            ("Location", .location),
            ("css", .css),
            ("Description", .description),
        ])
    func recognised(name: String, column: BATColumn) {
        #expect(BATColumn(headerName: name) == column)
    }

    @Test(
        "names that are not BAT columns",
        arguments: [
            "DIRECTORY NUMBER 0", "DISPLAY X", "MACADDRESS", "DEVICE", "LINE 1", "", "USER ID 2", "BUSY TRIGGER 0",
        ])
    func notRecognised(name: String) {
        #expect(BATColumn(headerName: name) == nil)
    }

    @Test("columns by index, unknown, ignored and trailing empty fields")
    func matching() throws {
        let fields = ["Device Type", "Foo", "device pool", "", "DN 1", "Display 2", "LINE", "Reason", "Bar", "", " "]
        let header = try header(fields)
        #expect(header.columns.count == fields.count)
        #expect(header.columns[0] == .deviceType)
        #expect(header.columns[4] == .directoryNumber(1))
        #expect(header.columns[10] == nil)
        #expect(header.index(of: .devicePool) == 2)
        #expect(header.index(of: .display(2)) == 5)
        #expect(header.index(of: .macAddress) == nil)
        #expect(header.unknown.map(\.index) == [1, 3, 8])
        #expect(header.unknown.map(\.name) == ["Foo", "", "Bar"])
        #expect(header.ignoredIndices == [6, 7])
        #expect(header.maxLine == 2)
    }

    @Test("a legacy sheet's names mapped to BAT names")
    func mapping() throws {
        let header = try header(
            ["Phone  Model", "Site", "Extension"],
            mapping: ["phone model": "DEVICE TYPE", "SITE": "device pool", "extension": "DIRECTORY NUMBER 1"])
        #expect(header.columns == [.deviceType, .devicePool, .directoryNumber(1)])
        #expect(header.unknown.isEmpty)
        #expect(header.maxLine == 1)
    }

    @Test("a mapping to a name that is no BAT column is a usage error")
    func badMapping() throws {
        let error = try #require(structureError(["DEVICE TYPE", "DEVICE POOL"], mapping: ["x": "COLOUR"]))
        #expect(error.code == .usage)
    }

    @Test("a column given twice names both fields")
    func duplicate() throws {
        let error = try #require(structureError(["DEVICE TYPE", "device pool", "Model"]))
        #expect(error.code == .csvStructure)
        #expect(error.location == SourceLocation(file: "phones.csv", line: 3, column: 3))
        #expect(error.message.contains("\"DEVICE TYPE\" (column 1)"))
        #expect(error.message.contains("\"Model\" (column 3)"))
    }

    @Test("missing required columns are listed")
    func missing() throws {
        let error = try #require(structureError(["MAC ADDRESS", "DESCRIPTION"]))
        #expect(error.code == .csvStructure)
        #expect(error.location == SourceLocation(file: "phones.csv", line: 3))
        #expect(error.message.contains("DEVICE POOL, DEVICE TYPE"))
        // The required set is a parameter: a template may supply the device pool.
        let header = try BATHeader(fields: ["MODEL"], file: "p.csv", line: 1, required: [.deviceType])
        #expect(header.index(of: .deviceType) == 0)
    }

    @Test("an empty header", arguments: [[], [""], ["", " ", "\u{A0}"]])
    func empty(fields: [String]) throws {
        let error = try #require(structureError(fields))
        #expect(error.code == .csvStructure)
        #expect(error.message.contains("empty"))
    }

    @Test("USER ID and OWNER USER ID are two columns; an unindexed line column is line 1 once")
    func userColumnsAndUnindexedLines() throws {
        let header = try header([
            "Device Name", "User ID", "Owner User ID", "Directory Number", "Partition", "Device Type", "Device Pool",
        ])
        #expect(header.columns.prefix(5) == [.deviceName, .userID, .ownerUserID, .directoryNumber(1), .partition(1)])
        #expect(header.maxLine == 1)
        // Cisco's custom format writes "DIRECTORY NUMBER"; with "DIRECTORY NUMBER 1" too it is one column twice.
        let error = try #require(
            structureError(["DIRECTORY NUMBER", "DEVICE TYPE", "DIRECTORY NUMBER 1", "DEVICE POOL"]))
        #expect(error.message.contains("column DIRECTORY NUMBER 1 is given twice"))
        #expect(error.location?.column == 3)
    }

    @Test("known BAT columns are acknowledged; unknown ones get a did-you-mean")
    func knownAndUnknownColumns() throws {
        let fields = [
            "Device Type", "Device Pool", "Forward All CSS 1", "Speed Dial Number 3", "Phone Button Template",
            "Module 1", "User ID 2", "Colour", "Directory Numbr 2",
        ]
        let header = try header(fields)
        #expect(header.acknowledged.map(\.index) == [2, 3, 4, 5, 6])
        #expect(header.unknown.map(\.name) == ["Colour", "Directory Numbr 2"])
        #expect(BATHeader.suggestion(for: "Directory Numbr 2") == "DIRECTORY NUMBER 2")
        #expect(BATHeader.suggestion(for: "Forward Al CSS 4") == "Forward All CSS 4")
        #expect(BATHeader.suggestion(for: "OWNER USERID") == "OWNER USER ID")
        #expect(BATHeader.suggestion(for: "Colour") == nil)
    }

    @Test("a rejects file's header is accepted as it is")
    func rejectsFile() throws {
        let header = try header(["LINE", "REASON", "MAC ADDRESS", "DEVICE TYPE", "DEVICE POOL"])
        #expect(header.ignoredIndices == [0, 1])
        #expect(header.unknown.isEmpty)
        #expect(header.index(of: .macAddress) == 2)
    }
}
