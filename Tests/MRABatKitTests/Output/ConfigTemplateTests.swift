import Foundation
import Testing

@testable import MRABatKit

extension OutputXMLTests {
    /// Config files filled from recorded templates against the same files rendered element by element.
    @Suite("Config templates: filled files are the rendered files")
    struct ConfigTemplateTests {
        typealias Random = XMLDocumentWriterTests

        /// `base` with every per-device field (uuid, owner, mask text, each line's number, display
        /// name, label and contact) drawn afresh, nil and empty included.
        static func device(of base: PhoneConfig, _ random: inout SeededRandom, number: Int) -> PhoneConfig {
            var config = base
            config.deviceName = String(format: "BAT%012X", number)
            config.uuid = Random.text(&random, maxPieces: 6)
            config.userId = Random.text(&random)
            if config.externalNumberMask != nil { config.externalNumberMask = Random.text(&random) }
            for index in config.lines.indices {
                config.lines[index].directoryNumber = Random.text(&random)
                config.lines[index].display = random.chance(0.3) ? nil : Random.text(&random)
                config.lines[index].label = random.chance(0.3) ? nil : Random.text(&random)
                config.lines[index].contact = Random.text(&random)
            }
            return config
        }

        @Test("2,000 devices of 12 random shapes: the renderer's bytes are the rendered bytes, from templates")
        func filledTemplatesAreRenderedFiles() throws {
            var random = SeededRandom(seed: 0x5445_4D50)
            let shapes = (0..<12).map { _ in Random.config(&random) }
            let renderer = ConfigRenderer()
            let writer = TFTPConfigWriter()
            var escaped = 0
            for number in 0..<2000 {
                let config = Self.device(of: random.pick(shapes), &random, number: number)
                let filled = try renderer.render(config)
                let rendered = try writer.render(config)
                guard filled == rendered else {
                    let at = zip(filled, rendered).prefix { $0 == $1 }.count
                    let context = String(decoding: filled[max(0, at - 40)..<min(filled.count, at + 40)], as: UTF8.self)
                    Issue.record(
                        "device \(number): first difference at byte \(at) of \(filled.count)/\(rendered.count): \(context.debugDescription)"
                    )
                    return
                }
                #expect(VersionStamp.isValid(in: filled))
                if filled.contains(0x26) { escaped += 1 }
            }
            // Not a pass by falling back: every shape got its template, and the escapes were exercised.
            #expect(renderer.shapes.met == 12)
            #expect(renderer.shapes.templated == 12)
            #expect(escaped > 1000)
        }

        @Test("the committed fixtures' configs come out of their templates byte for byte", arguments: [0, 1, 5])
        func fixtureConfigs(lines: Int) throws {
            let renderer = ConfigRenderer()
            for full in [false, true] {
                for redirect in [false, true] {
                    let config = OutputFixtures.config(lineCount: lines, full: full, redirect: redirect)
                    // Twice: the first one records the template (and is checked against the rendering),
                    // the second is filled.
                    #expect(try renderer.render(config) == TFTPConfigWriter().render(config))
                    #expect(try renderer.render(config) == TFTPConfigWriter().render(config))
                }
            }
            #expect(renderer.shapes.templated == renderer.shapes.met)
        }

        @Test("a shared text equal to a placeholder gets no template, and the file is still right")
        func placeholderLookalikeFallsBack() throws {
            var config = OutputFixtures.config(lineCount: 2)
            config.devicePool.name = "\u{F8FF}3\u{F8FF}"
            let renderer = ConfigRenderer()
            for number in 0..<3 {
                config.userId = "user\(number)"
                #expect(try renderer.render(config) == TFTPConfigWriter().render(config))
            }
            #expect(renderer.shapes.met == 1)
            #expect(renderer.shapes.templated == 0)
        }

        @Test("phones with more lines than a template holds, and shapes past the capacity, are rendered")
        func fallbacksRenderTheSameBytes() throws {
            var random = SeededRandom(seed: 0x4641_4C4C)
            var many = OutputFixtures.config(lineCount: 1)
            many.lines = (1...(ConfigTemplate.maxLines + 1)).map {
                LineConfig(index: $0, directoryNumber: "\($0)", contact: "c\($0)")
            }
            let renderer = ConfigRenderer(capacity: 1)
            #expect(try renderer.render(many) == TFTPConfigWriter().render(many))
            let first = Random.config(&random)
            let second = Random.config(&random)
            for number in 0..<20 {
                let config = Self.device(of: number % 2 == 0 ? first : second, &random, number: number)
                #expect(try renderer.render(config) == TFTPConfigWriter().render(config))
            }
            #expect(renderer.shapes.met == 1)
        }

        /// Expects `renderer` to refuse `config` with an `.xml` error whose message has every text of `naming`.
        static func expectRefusal(
            _ renderer: ConfigRenderer, _ config: PhoneConfig, naming: [String],
            sourceLocation: Testing.SourceLocation = #_sourceLocation
        ) {
            do {
                _ = try renderer.render(config)
                Issue.record("\(config.deviceName)'s file was written", sourceLocation: sourceLocation)
            } catch let error as MRABatError {
                #expect(error.code == .xml, sourceLocation: sourceLocation)
                for text in naming {
                    #expect(error.message.contains(text), "\(error.message)", sourceLocation: sourceLocation)
                }
            } catch {
                Issue.record("not an MRABatError: \(error)", sourceLocation: sourceLocation)
            }
        }

        @Test("text XML cannot carry in a per-device field is refused from the template, naming device and element")
        func controlCharactersInAFilledFieldAreRefused() throws {
            let renderer = ConfigRenderer()
            var config = OutputFixtures.config(lineCount: 2)
            _ = try renderer.render(config)
            #expect(renderer.shapes.templated == 1)
            config.deviceName = "BAT00000000BEEF"
            config.lines[1].display = "Bob\u{1}"
            Self.expectRefusal(renderer, config, naming: ["BAT00000000BEEF", "<displayName>", "U+0001"])
            config.lines[1].display = "Bob"
            config.uuid = "{\u{FFFF}}"
            #expect(throws: MRABatError.self) { try renderer.render(config) }
        }

        @Test("text XML cannot carry in a shared field is refused as the rendering refuses it")
        func controlCharactersInASharedFieldAreRefused() throws {
            let renderer = ConfigRenderer()
            var config = OutputFixtures.config(lineCount: 1)
            config.deviceName = "BAT00000000CAFE"
            config.loadInformation = "sip88xx\u{2}"
            for _ in 0..<2 {
                Self.expectRefusal(renderer, config, naming: ["BAT00000000CAFE", "<loadInformation>", "U+0002"])
            }
            #expect(renderer.shapes.templated == 0)
        }
    }
}
