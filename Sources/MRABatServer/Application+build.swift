import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import MRABatKit
import NIOCore
import NIOSSL

/// What both listeners share: the store thread, the cluster, the metrics.
struct ServeContext: Sendable {
    let configuration: ServeConfiguration
    let cluster: ClusterConfig
    let worker: StoreWorker
    let metrics: ServeMetrics
    let sessions: ActivationSessions
    let limiter: GuessLimiter
    let configFiles: ConfigFiles
    let selfCare: SelfCareController?
    let logger: Logger
}

/// The HTTPS listener: the activation API and Self-Care, behind TLS that records the phone's MIC.
func buildActivationApplication(
    _ context: ServeContext, sslContext: NIOSSLContext, onRunning: @escaping @Sendable (Int) -> Void
) throws -> some ApplicationProtocol {
    let limits = context.configuration.limits
    let service = ActivationService(store: context.worker.store, cluster: context.cluster)
    let gateway = try ActivationGateway(
        service: service, worker: context.worker, sessions: context.sessions, limiter: context.limiter,
        metrics: context.metrics, logger: context.logger, onCommit: { context.configFiles.invalidate($0) })

    let router = Router(context: ServeRequestContext.self)
    router.middlewares.add(SecurityHeadersMiddleware())
    router.middlewares.add(LogRequestsMiddleware(.debug))
    ActivationController(gateway: gateway, limits: limits, metrics: context.metrics).addRoutes(to: router)
    context.selfCare?.addRoutes(to: router)

    let http1 = HTTP1Channel.Configuration(
        additionalChannelHandlers: [RequestDeadlineHandler(timeout: .seconds(Int64(limits.requestTimeout)))],
        idleTimeout: .seconds(Int64(limits.idleTimeout)))
    let server = HTTPServerBuilder { responder in
        MICTLSChannel(HTTP1Channel(responder: responder, configuration: http1), sslContext: sslContext)
    }
    return Application(
        router: router, server: server,
        configuration: applicationConfiguration(context.configuration.listen, limits: limits, logger: context.logger),
        services: [SessionSweeper(sessions: context.sessions, metrics: context.metrics)],
        onServerRunning: { channel in onRunning(channel.localAddress?.port ?? 0) },
        logger: context.logger)
}

/// The plain-HTTP config listener: config files, health, metrics.
func buildConfigApplication(_ context: ServeContext, onRunning: @escaping @Sendable (Int) -> Void)
    -> some ApplicationProtocol
{
    let limits = context.configuration.limits
    let router = Router(context: ServeRequestContext.self)
    ConfigController(files: context.configFiles, metrics: context.metrics).addRoutes(to: router)
    let http1 = HTTP1Channel.Configuration(
        additionalChannelHandlers: [RequestDeadlineHandler(timeout: .seconds(Int64(limits.requestTimeout)))],
        idleTimeout: .seconds(Int64(limits.idleTimeout)))
    return Application(
        router: router, server: .http1(configuration: http1),
        configuration: applicationConfiguration(
            context.configuration.configListen, limits: limits, logger: context.logger),
        onServerRunning: { channel in onRunning(channel.localAddress?.port ?? 0) },
        logger: context.logger)
}

private func applicationConfiguration(_ address: ListenAddress, limits: ServeLimits, logger: Logger)
    -> ApplicationConfiguration
{
    ApplicationConfiguration(
        address: .hostname(address.host, port: address.port), serverName: nil, backlog: 256, reuseAddress: true,
        availableConnectionsDelegate: MaximumAvailableConnections(limits.maxConnections, logger: logger))
}

/// Headers every HTTPS response carries: no sniffing, no framing, no referrer, HSTS.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = ServeRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.strictTransportSecurity] = "max-age=31536000"
        for (name, value) in [("X-Frame-Options", "DENY"), ("Referrer-Policy", "no-referrer")] {
            if let name = HTTPField.Name(name) { response.headers[name] = value }
        }
        return response
    }
}
