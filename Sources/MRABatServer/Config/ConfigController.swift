import Foundation
import Hummingbird
import NIOCore

/// The plain-HTTP config listener (Unified CM's TFTP HTTP port): `GET /<NAME>.cnf.xml`, `/healthz`, `/metrics`.
struct ConfigController: Sendable {
    let files: ConfigFiles
    let metrics: ServeMetrics

    func addRoutes(to router: Router<ServeRequestContext>) {
        router.get("healthz") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
        }
        router.get("metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.text())))
        }
        router.get("{file}") { request, context in try await self.config(request, context) }
    }

    private func config(_ request: Request, _ context: ServeRequestContext) async throws -> Response {
        let suffix = ".cnf.xml"
        guard let file = context.parameters.get("file"), file.hasSuffix(suffix), file.utf8.count <= 64 else {
            return notFound()
        }
        let name = String(file.dropLast(suffix.count))
        guard Self.isDeviceName(name), let config = try await files.file(named: name) else { return notFound() }
        var headers: HTTPFields = [.eTag: config.etag, .cacheControl: "no-cache"]
        if let match = request.headers[.ifNoneMatch], Self.matches(match, config.etag) {
            metrics.configRequest(304)
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = "text/xml; charset=utf-8"
        metrics.configRequest(200)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: config.bytes)))
    }

    private func notFound() -> Response {
        metrics.configRequest(404)
        return Response(
            status: .notFound, headers: [.contentType: "text/plain; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: "no such config file\n")))
    }

    /// `SEP` or `BAT` and 12 uppercase hex digits — the only names a config file can have.
    static func isDeviceName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard bytes.count == 15, name.hasPrefix("SEP") || name.hasPrefix("BAT") else { return false }
        return bytes[3...].allSatisfy { (0x30...0x39).contains($0) || (0x41...0x46).contains($0) }
    }

    /// RFC 9110 `If-None-Match`: `*` or a list of entity tags, weak ones compared weakly.
    static func matches(_ header: String, _ etag: String) -> Bool {
        header.split(separator: ",").contains { candidate in
            let tag = candidate.trimmingCharacters(in: .whitespaces)
            return tag == "*" || tag == etag || tag == "W/" + etag
        }
    }
}
