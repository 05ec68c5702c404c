import Foundation
import MRABatKit

/// What `regenerate` and `relock` share: they differ only in which devices they accept.
enum ReplaceCode {
    /// Issues the device's new code and prints it.
    static func run(_ kind: Store.Replacement, device: String, store options: StoreOptions) throws {
        let store = try options.open()
        let cluster = try store.loadCluster()
        let vault = try options.openVault()
        let issued = try CodeReplacement.replace(
            deviceNamed: device, kind: kind, store: store, vault: vault,
            ttlHours: cluster.enterprise.activationTTLHours, now: Date())
        let bound = issued.device.device.mac.map { ", bound to MAC \($0)" } ?? ", for any \(issued.device.device.model)"
        print(
            "new activation code for \(device): \(issued.code.digits) "
                + "(expires \(AuditTime.format(issued.expiresAt))\(bound))")
    }
}
