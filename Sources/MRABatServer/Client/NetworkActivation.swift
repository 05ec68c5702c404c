import MRABatKit

/// `mrabat activate --server URL`: one activation over the network, reported as the in-process one is.
package enum NetworkActivation {
    /// Activates and returns the lines to print.
    ///
    /// - Throws: ``ActivationRefusal`` (exit status 4, as in process); ``MRABatError`` otherwise.
    package static func run(
        server: String, code: ActivationCode, mac: MACAddress, model: String, mic: String?, micKey: String?,
        serverCA: String?
    ) async throws -> [String] {
        let client = try ActivationClient(
            server: server, micCertificate: mic, micKey: micKey, serverCA: serverCA, connections: 1)
        do {
            let outcome = try await client.activate(code: code, mac: mac, model: model)
            await client.shutdown()
            let target = outcome.target
            return [
                "activated \(outcome.device)",
                "config file: \(outcome.config) on the service's config listener",
                "MRA target: activation domain \(target.domain)"
                    + (target.redirect
                        ? "; redirected to MRA service domain \(target.serviceDomain)"
                        : "; no redirect: the phone stays on the activation domain"),
            ]
        } catch {
            await client.shutdown()
            throw error
        }
    }
}
