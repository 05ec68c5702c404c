import ArgumentParser
import Foundation
import MRABatKit
import MRABatServer

/// Runs a lifecycle command body: activation refusals become `.activation` errors (exit status 4).
func runLifecycle(_ body: () async throws -> Int32) async throws {
    try await runReporting {
        do {
            return try await body()
        } catch let refusal as ActivationRefusal {
            throw refusal.error
        }
    }
}

struct Activate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Activate a phone with its code: both sides of the SRP-6a handshake, BAT→SEP rename, config file.",
        discussion: """
            Exit status 4 when the activation is refused; the message starts with \
            `activation refused (<reason>)`, one reason per failure class (see README).
            """)

    @OptionGroup var store: StoreOptions

    @Option(name: .long, help: "The 16-digit activation code as typed (spaces and dashes allowed).")
    var code: String

    @Option(name: .long, help: "The phone's MAC address.")
    var mac: String

    @Option(name: .long, help: "The phone's model, e.g. 8845 or 'Cisco 8845'.")
    var model: String

    @Option(name: .long, help: "Output directory; the config file goes to DIR/tftp/SEP<MAC>.cnf.xml (not with --server).")
    var out: String?

    @Option(name: .long, help: "The phone's MIC (PEM; intermediate CAs may follow it), checked against trust.micCAs.")
    var mic: String?

    @Option(name: .long, help: "Activate over the network against `mrabat serve` at this https:// URL (the MIC is the TLS client certificate).")
    var server: String?

    @Option(name: .customLong("mic-key"), help: "With --server: the MIC's private key (PEM).")
    var micKey: String?

    @Option(name: .customLong("server-ca"), help: "With --server: PEM file of CAs to trust for the server (default: the system's).")
    var serverCA: String?

    func run() async throws {
        try await runLifecycle {
            guard let code = ActivationCode(userInput: self.code) else {
                throw MRABatError(.usage, "--code: an activation code is 16 digits (spaces and dashes allowed)")
            }
            guard let mac = MACAddress(parsing: self.mac) else {
                throw MRABatError(
                    .usage, "--mac \(self.mac): expected 001A2B3C4D5E, 00:1a:2b:3c:4d:5e, 00-1A-… or 001a.2b3c.4d5e")
            }
            if let mic, !FileManager.default.isReadableFile(atPath: mic) {
                throw MRABatError(.usage, "--mic \(mic): no such readable file")
            }
            if let server {
                for line in try await NetworkActivation.run(
                    server: server, code: code, mac: mac, model: model, mic: mic, micKey: micKey, serverCA: serverCA)
                {
                    print(line)
                }
                return 0
            }
            guard let out else { throw MRABatError(.usage, "--out DIR is required (unless --server is given)") }
            let store = try store.open()
            let cluster = try store.loadCluster()
            let service = ActivationService(store: store, cluster: cluster)
            let result = try PhoneActivation.run(
                code: code, phone: PhoneIdentity(mac: mac, model: model, micFile: mic), service: service)
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
            return 0
        }
    }
}

struct Release: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Release a device's outstanding code: it no longer activates.")

    @OptionGroup var store: StoreOptions

    @Argument(help: "The device name (BAT… or SEP…).")
    var device: String

    func run() async throws {
        try await runLifecycle {
            let ended = try store.open().releaseCode(deviceNamed: device, now: Date())
            print(
                "released the activation code of \(ended.deviceName) (it would have expired \(AuditTime.format(ended.expiresAt)))"
            )
            return 0
        }
    }
}

/// `regenerate` and `relock` differ only in which devices they accept.
func replaceCode(_ kind: Store.Replacement, device: String, storeOptions: StoreOptions) throws -> Int32 {
    let store = try storeOptions.open()
    let cluster = try store.loadCluster()
    let vault = try CodeVault.openOrCreate(keyFile: store.path + ".key")
    let issued = try CodeReplacement.replace(
        deviceNamed: device, kind: kind, store: store, vault: vault, ttlHours: cluster.enterprise.activationTTLHours,
        now: Date())
    let bound = issued.device.device.mac.map { ", bound to MAC \($0)" } ?? ", for any \(issued.device.device.model)"
    print(
        "new activation code for \(device): \(issued.code.digits) (expires \(AuditTime.format(issued.expiresAt))\(bound))"
    )
    return 0
}

struct Regenerate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Give a device that is not activated a new code; its old code dies and its throttle is cleared.")

    @OptionGroup var store: StoreOptions

    @Argument(help: "The device name (BAT… or SEP…).")
    var device: String

    func run() async throws {
        try await runLifecycle { try replaceCode(.regenerate, device: device, storeOptions: store) }
    }
}

struct Relock: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-lock an activated phone (Option 2): it needs a new code, bound to its MAC, to activate again.")

    @OptionGroup var store: StoreOptions

    @Argument(help: "The activated device's name (SEP<MAC>).")
    var device: String

    func run() async throws {
        try await runLifecycle { try replaceCode(.relock, device: device, storeOptions: store) }
    }
}

struct Expire: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Mark outstanding codes past their time to live expired (their secrets are erased).")

    @OptionGroup var store: StoreOptions

    func run() async throws {
        try await runLifecycle {
            let ended = try store.open().expireCodes(now: Date())
            for code in ended {
                print("expired the code of \(code.deviceName) (time to live ended \(AuditTime.format(code.expiresAt)))")
            }
            print("\(ended.count) code(s) expired")
            return 0
        }
    }
}

struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a device's audit log: every lifecycle event, oldest first.")

    @OptionGroup var store: StoreOptions

    @Argument(help: "The device name, current (SEP…) or former (BAT…).")
    var device: String

    func run() async throws {
        try await runLifecycle {
            for entry in try store.open(readOnly: true).history(device: device) {
                print(
                    [
                        AuditTime.format(entry.at), entry.deviceName ?? "-", entry.event, entry.outcome,
                        entry.detail ?? "",
                    ]
                    .joined(separator: "  "))
            }
            return 0
        }
    }
}

struct SelfCare: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selfcare",
        abstract: "Self-Care's Phones Ready to Activate for a user: codes, expiry and QR images in an HTML page.")

    @OptionGroup var store: StoreOptions

    @Argument(help: "The owner user ID.")
    var user: String

    @Option(name: .long, help: "Output directory: index.html and one <device>.png QR image per phone (mode 0600).")
    var out: String

    func run() async throws {
        try await runLifecycle {
            let store = try store.open()
            let vault = try CodeVault.openOrCreate(keyFile: store.path + ".key")
            let entries = try SelfCarePage.write(
                user: user, store: store, vault: vault, cluster: try store.loadCluster(), outDirectory: out, now: Date()
            )
            if entries.isEmpty { print("no phone of \(user) is ready to activate") }
            for entry in entries {
                print(
                    "\(entry.deviceName)  \(entry.model)  \(entry.code.digits)  expires \(AuditTime.format(entry.expiresAt))  \(out)/\(entry.imageFile)"
                )
            }
            print("wrote \(out)/index.html")
            return 0
        }
    }
}

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the prerequisites for MRA activation-code onboarding; exit 1 if any fails.")

    @OptionGroup var store: StoreOptions

    @Option(name: .long, help: "Check this cluster configuration file instead of the one loaded in the store.")
    var cluster: String?

    @Flag(name: .long, help: "Look up each domain's _collab-edge._tls SRV record in DNS.")
    var resolve = false

    func run() async throws {
        try await runLifecycle {
            let config =
                try cluster.map { try ClusterConfig.load(path: $0) } ?? store.open(readOnly: true).loadCluster()
            let results = Prerequisites.evaluate(config, now: Date(), resolver: resolve ? SystemSRVResolver() : nil)
            for result in results { print(result.line) }
            let failed = results.filter { !$0.passed }.count
            print(
                failed == 0
                    ? "all \(results.count) prerequisites pass" : "\(failed) of \(results.count) prerequisites fail")
            return failed == 0 ? 0 : 1
        }
    }
}
