import ArgumentParser
import MRABatKit
import MRABatServer

/// `mrabat activate`: a phone activating with its code, both sides of the handshake in one process.
struct Activate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Activate a phone with its code: both sides of the SRP-6a handshake, BAT→SEP rename, config file.",
        discussion: """
            Exit status 4 when the activation is refused; the message starts with \
            `activation refused (<reason>)`, one reason per failure class (see README).
            """)

    @OptionGroup var store: StoreOptions

    @Option(
        name: .long,
        help: ArgumentHelp("The activation code: 16 digits as typed (spaces and dashes allowed).", valueName: "code"))
    var code: ActivationCode

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The phone's MAC address: 001A2B3C4D5E, 00:1a:2b:3c:4d:5e, 00-1A-2B-3C-4D-5E or 001a.2b3c.4d5e.",
            valueName: "mac"))
    var mac: MACAddress

    @Option(name: .long, help: ArgumentHelp("The phone's model, e.g. 8845 or 'Cisco 8845'.", valueName: "model"))
    var model: String

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Output directory; the config file goes to DIR/tftp/SEP<MAC>.cnf.xml (not with --server).",
            valueName: "dir"))
    var out: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The phone's MIC, a readable PEM file (intermediate CAs may follow it), checked against trust.micCAs.",
            valueName: "file"))
    var mic: ReadableFile?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Activate over the network against `mrabat serve` at this https:// URL (the MIC is the TLS client "
                + "certificate).", valueName: "url"))
    var server: String?

    @Option(
        name: .customLong("mic-key"),
        help: ArgumentHelp("With --server: the MIC's private key (PEM).", valueName: "file"))
    var micKey: ReadableFile?

    @Option(
        name: .customLong("server-ca"),
        help: ArgumentHelp(
            "With --server: PEM file of CAs to trust for the server (default: the system's).", valueName: "file"))
    var serverCA: ReadableFile?

    func validate() throws {
        if server == nil {
            guard out != nil else { throw ValidationError("--out DIR is required (unless --server is given)") }
            guard micKey == nil && serverCA == nil else {
                throw ValidationError("--mic-key and --server-ca go with --server")
            }
        } else if out != nil {
            throw ValidationError("--out goes without --server: the server writes the config file")
        }
    }

    func run() async throws {
        if let server {
            for line in try await NetworkActivation.run(
                server: server, code: code, mac: mac, model: model, mic: mic?.path, micKey: micKey?.path,
                serverCA: serverCA?.path)
            {
                print(line)
            }
            return
        }
        guard let out else { throw MRABatError(.usage, "--out DIR is required (unless --server is given)") }
        let store = try await store.open()
        let cluster = try await store.loadCluster()
        let service = ActivationService(store: store, cluster: cluster)
        let result = try await PhoneActivation.run(
            code: code, phone: PhoneIdentity(mac: mac, model: model, micFile: mic?.path), service: service)
        let commit = result.commit
        let written: ActivationConfigFile.Written
        do {
            written = try ActivationConfigFile.write(commit, cluster: cluster, outDirectory: out)
        } catch let error as MRABatError {
            // The activation is committed; say so, so nobody retries the (now used) code.
            throw MRABatError(
                error.code,
                "\(commit.previousName) is activated as \(commit.device.name), but its config file was not written: "
                    + error.message, cause: error.cause)
        }
        if commit.previousName != commit.device.name {
            print("activated \(commit.previousName) as \(commit.device.name)")
        } else {
            print("activated \(commit.device.name)")
        }
        print("config file: \(written.path)" + (written.removed.map { " (removed \($0))" } ?? ""))
        print("MRA target: \(result.target)")
    }
}
