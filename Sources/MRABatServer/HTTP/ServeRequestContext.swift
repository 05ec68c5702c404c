import Hummingbird
import NIOCore
import NIOSSL

/// The request context of both listeners: Hummingbird's core storage plus the connection, for the
/// client's address and the TLS client certificate (the phone's MIC).
struct ServeRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    /// The body limit Hummingbird applies when a handler collects without its own.
    var maxUploadSize: Int { 65_536 }

    /// The client's IP address as text (no port), or `unknown`.
    var clientAddress: String { channel.remoteAddress?.ipAddress ?? "unknown" }

    /// The certificate chain the client presented in the TLS handshake, as PEM text; nil when it
    /// presented none (or on the plain-HTTP listener).
    func presentedCertificates() async -> [UInt8]? {
        guard let recorder = try? await channel.pipeline.handler(type: PresentedCertificates.self).get() else {
            return nil
        }
        return recorder.pem
    }
}
