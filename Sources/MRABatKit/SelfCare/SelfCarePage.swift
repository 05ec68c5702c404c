import Foundation

/// Self-Care's *Phones Ready to Activate*: a user's phones waiting for activation, each with its
/// code, expiry and a QR code of the code, as PNG images and one HTML page.
///
/// The files hold codes in the clear (the page and the QR images), so they are written with mode
/// 0600, like the code export.
package enum SelfCarePage {
    /// One phone on the page.
    package struct Entry: Sendable, Equatable {
        package var deviceName: String
        package var model: String
        package var description: String?
        package var code: ActivationCode
        package var expiresAt: Date
        /// The QR image, relative to the output folder.
        package var imageFile: String
    }

    /// Writes `DIR/index.html` and `DIR/<device>.png` for every phone of `user` ready to activate.
    ///
    /// - Returns: the phones listed (none if the user has no outstanding, unexpired code).
    /// - Throws: ``MRABatError`` `.config` when the cluster's *Show Phones Ready to Activate* is
    ///   off, `.notFound` when no device belongs to `user`, `.io` if a file cannot be written.
    package static func write(
        user: String, store: any Store, vault: CodeVault, cluster: ClusterConfig, outDirectory: String, now: Date
    ) async throws -> [Entry] {
        guard cluster.enterprise.showPhonesReadyToActivate else {
            throw MRABatError(
                .config,
                "Self-Care does not show phones ready to activate in cluster \(cluster.name): set "
                    + "enterprise.showPhonesReadyToActivate: true in the cluster configuration and run `mrabat init`")
        }
        guard try await store.deviceCount(ownerUserID: user) > 0 else {
            throw MRABatError(.notFound, "no phone belongs to user \(user)", value: user)
        }
        do {
            try FileManager.default.createDirectory(atPath: outDirectory, withIntermediateDirectories: true)
        } catch {
            throw MRABatError(.io, "cannot create \(outDirectory)", cause: (error as NSError).localizedDescription)
        }
        var entries: [Entry] = []
        for stored in try await store.readyToActivate(ownerUserID: user, now: now) {
            let code = try vault.open(stored.sealed, associatedData: Array(stored.identity.utf8))
            let image = stored.deviceName + ".png"
            try AtomicFile.write(
                PNGImage.encode(try QRCode(encoding: code.digits)), to: outDirectory + "/" + image, mode: 0o600)
            entries.append(
                Entry(
                    deviceName: stored.deviceName, model: stored.model, description: stored.description, code: code,
                    expiresAt: stored.expiresAt, imageFile: image))
        }
        try AtomicFile.write(
            Array(html(user: user, entries: entries).utf8), to: outDirectory + "/index.html", mode: 0o600)
        return entries
    }

    /// The page: one section per phone with the code in groups of four, its expiry and its QR image.
    static func html(user: String, entries: [Entry]) -> String {
        var page = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>Phones ready to activate — \(escape(user))</title>
            <style>
            body { font-family: sans-serif; margin: 2em; }
            section { border: 1px solid #ccc; padding: 1em; margin-bottom: 1em; display: flex; gap: 2em; align-items: center; }
            .code { font-family: monospace; font-size: 1.6em; letter-spacing: 0.1em; }
            </style>
            </head>
            <body>
            <h1>Phones ready to activate</h1>
            <p>User \(escape(user)). On the phone, choose <em>Activation code onboarding</em> and enter the code, or scan it.</p>

            """
        if entries.isEmpty { page += "<p>No phone is waiting for activation.</p>\n" }
        for entry in entries {
            let grouped = stride(from: 0, to: 16, by: 4).map { offset in
                String(entry.code.digits.dropFirst(offset).prefix(4))
            }.joined(separator: " ")
            page += """
                <section>
                <img src="\(escape(entry.imageFile))" alt="QR code of the activation code for \(escape(entry.deviceName))" width="232" height="232">
                <div>
                <h2>\(escape(entry.description ?? entry.deviceName))</h2>
                <p>\(escape(entry.model)) · \(escape(entry.deviceName))</p>
                <p class="code">\(grouped)</p>
                <p>Valid until \(AuditTime.format(entry.expiresAt))</p>
                </div>
                </section>

                """
        }
        return page + "</body>\n</html>\n"
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
