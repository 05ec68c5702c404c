import Foundation
import MRABatKit

/// What `regenerate` and `relock` share: they differ only in which devices they accept.
enum ReplaceCode {
    /// Issues the device's new code and prints it.
    static func run(_ kind: CodeReplacement.Kind, device: String, store options: StoreOptions) async throws {
        let store = try await options.open()
        let cluster = try await store.loadCluster()
        let vault = try await options.openVault(for: store)
        let issued = try await CodeReplacement.replace(
            deviceNamed: device, kind: kind, store: store, vault: vault,
            ttlHours: cluster.enterprise.activationTTLHours, now: Date())
        let bound = issued.device.device.mac.map { ", bound to MAC \($0)" } ?? ", for any \(issued.device.device.model)"
        print(
            "new activation code for \(device): \(issued.code.digits) "
                + "(expires \(AuditTime.format(issued.expiresAt))\(bound))")
    }
}
