import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL

/// Hummingbird's TLS child channel (as `HummingbirdTLS.TLSChannel` builds it) with one difference:
/// the server asks for a client certificate, accepts whatever chain is presented, and records it for
/// the request handlers.
///
/// The chain is then checked per request against the cluster's `trust.micCAs` by ``MICVerifier`` —
/// not in the handshake — so that a phone with a bad MIC gets a `403` naming the reason
/// (`mic-untrusted`, `mic-expired`, `mic-mac-mismatch`, `mic-missing`) rather than a TLS alert, and
/// the trust list is read from the store's cluster configuration. The TLS handshake itself still
/// proves that the client holds the certificate's private key (its CertificateVerify signature is
/// checked by BoringSSL whatever the chain verification decides).
struct MICTLSChannel<BaseChannel: ServerChildChannel>: ServerChildChannel {
    typealias Value = BaseChannel.Value

    let sslContext: NIOSSLContext
    let baseChannel: BaseChannel

    init(_ baseChannel: BaseChannel, sslContext: NIOSSLContext) {
        self.baseChannel = baseChannel
        self.sslContext = sslContext
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let recorder = PresentedCertificates()
            try channel.pipeline.syncOperations.addHandler(
                NIOSSLServerHandler(
                    context: sslContext,
                    customVerificationCallback: { certificates, promise in
                        recorder.record(certificates)
                        promise.succeed(.certificateVerified)
                    }))
            try channel.pipeline.syncOperations.addHandler(recorder)
        }.flatMap {
            baseChannel.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: BaseChannel.Value, logger: Logger) async {
        await baseChannel.handle(value: value, logger: logger)
    }
}

extension MICTLSChannel: HTTPChannelHandler where BaseChannel: HTTPChannelHandler {
    var responder: HTTPChannelHandler.Responder { baseChannel.responder }
}

/// Holds the chain a TLS client presented, as PEM text, for the connection's requests.
///
/// A pass-through handler in the pipeline so a request can find it by type; `Sendable` because the
/// verification callback writes it on the event loop and request tasks read it elsewhere, under a lock.
final class PresentedCertificates: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = NIOAny

    private let chain = NIOLockedValueBox<[UInt8]?>(nil)

    func record(_ certificates: [NIOSSLCertificate]) {
        var text = ""
        for certificate in certificates {
            guard let der = try? certificate.toDERBytes() else { continue }
            text += "-----BEGIN CERTIFICATE-----\n"
            text += Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
            text += "\n-----END CERTIFICATE-----\n"
        }
        chain.withLockedValue { $0 = text.isEmpty ? nil : Array(text.utf8) }
    }

    var pem: [UInt8]? { chain.withLockedValue { $0 } }
}
