import Foundation
import MRABatKit

/// A PostgreSQL store's address as `--db` or `MRABAT_DB` gives it, and the password found for it.
///
/// `postgres://USER@HOST:PORT/DB` (or `postgresql://`), as libpq reads a connection URI, with the
/// query parameters `sslmode` (`disable`, `prefer` — the default —, `require`, `verify-ca`,
/// `verify-full`), `sslrootcert` and `connect_timeout` (seconds). A host that is a directory
/// (`%2Fvar%2Frun%2Fpostgresql`) is a Unix-domain socket there. The password never comes from the
/// command line: a URL that holds one is refused. It comes from `PGPASSWORD`, else from the
/// password file (`PGPASSFILE`, else `~/.pgpass`), whose lines are `host:port:database:user:password`.
struct PostgresEndpoint: Sendable, Equatable, CustomStringConvertible {
    enum TLSMode: String, Sendable, CaseIterable {
        case disable, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    var user: String
    /// A host name or address; for a Unix-domain socket, its directory.
    var host: String
    var port: Int
    var database: String
    var tls: TLSMode = .prefer
    var rootCertificate: String?
    var connectTimeout: Int = 10
    var password: String?

    var isUnixSocket: Bool { host.hasPrefix("/") }
    var socketPath: String { host + "/.s.PGSQL.\(port)" }

    /// The store's name in messages: never a password.
    var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(user)@\(shownHost):\(port)/\(database)"
    }

    /// Where the store is, for an error that names it: host, port and database.
    var whereabouts: String {
        isUnixSocket
            ? "database \(database) on the socket \(socketPath) as user \(user)"
            : "database \(database) on \(host) port \(port) as user \(user)"
    }

    /// Parses `location`, then finds its password in the environment or the password file.
    ///
    /// - Throws: `.config` for a URL that is malformed, holds a password, or names an unknown parameter.
    init(_ location: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let shown = StoreLocation.redacted(location)
        func bad(_ why: String) -> MRABatError { MRABatError(.config, "--db \(shown): \(why)", value: shown) }
        guard let schemeEnd = location.range(of: "://"),
            ["postgres", "postgresql"].contains(location[..<schemeEnd.lowerBound].lowercased())
        else { throw bad("not a postgres:// URL") }
        var rest = Substring(location[schemeEnd.upperBound...])
        var query = Substring("")
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var path = Substring("")
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var authority = rest
        var user: String?
        if let at = authority.lastIndex(of: "@") {
            let credentials = authority[..<at]
            authority = authority[authority.index(after: at)...]
            if credentials.contains(":") {
                throw bad(
                    "a password in the URL would show in process lists and shell history; leave it out and set "
                        + "PGPASSWORD or put it in ~/.pgpass (PGPASSFILE)")
            }
            user = try Self.decoded(credentials, bad)
        }
        // Host: a bracketed IPv6 address, a name, or a percent-encoded socket directory; then :port.
        var hostText = authority
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw bad("an IPv6 address needs its closing ]") }
            hostText = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw bad("unexpected \(after) after the host") }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            hostText = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        }
        let host = try Self.decoded(hostText, bad)
        var port = 5432
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw bad("the port \"\(portText)\" is not a number from 1 to 65535")
            }
            port = value
        }
        let resolvedUser = user ?? environment["PGUSER"] ?? Self.loginName()
        guard let resolvedUser, !resolvedUser.isEmpty else { throw bad("name the user: postgres://USER@HOST/DB") }
        let database = try Self.decoded(path, bad)
        self.user = resolvedUser
        self.host = host.isEmpty ? (environment["PGHOST"] ?? "localhost") : host
        self.port = port
        self.database = database.isEmpty ? resolvedUser : database
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = try Self.decoded(parts[0], bad)
            let value = try Self.decoded(parts.count > 1 ? parts[1] : "", bad)
            switch key {
            case "sslmode":
                // libpq's `allow` tries without TLS first; here it is `prefer`, which tries TLS first.
                guard let mode = TLSMode(rawValue: value == "allow" ? "prefer" : value) else {
                    throw bad(
                        "sslmode \"\(value)\" is not one of "
                            + TLSMode.allCases.map(\.rawValue).joined(separator: ", "))
                }
                tls = mode
            case "sslrootcert":
                rootCertificate = value
            case "connect_timeout":
                guard let seconds = Int(value), seconds > 0 else {
                    throw bad("connect_timeout \"\(value)\" is not a number of seconds")
                }
                connectTimeout = seconds
            case "password":
                throw bad("a password in the URL would show in process lists; set PGPASSWORD or use ~/.pgpass")
            default:
                throw bad("unknown parameter \"\(key)\" (known: sslmode, sslrootcert, connect_timeout)")
            }
        }
        password = try Self.password(for: self, environment: environment)
    }

    private static func decoded(_ text: Substring, _ bad: (String) -> MRABatError) throws -> String {
        guard let value = String(text).removingPercentEncoding else { throw bad("bad percent-encoding in \"\(text)\"") }
        return value
    }

    private static func loginName() -> String? {
        guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return nil }
        return String(cString: name)
    }

    /// `PGPASSWORD`, else the first matching line of the password file, else nil (the server may not ask).
    ///
    /// As libpq: `*` matches anything, `\` escapes `:` and `\`, `localhost` matches a Unix-domain socket,
    /// and a file that others can read is not used — here that is an error, so it is not silently ignored.
    static func password(for endpoint: PostgresEndpoint, environment: [String: String]) throws -> String? {
        if let password = environment["PGPASSWORD"] { return password }
        let file: String
        if let named = environment["PGPASSFILE"], !named.isEmpty {
            file = named
        } else {
            guard let home = environment["HOME"] ?? FileManager.default.homeDirectoryForCurrentUser.path as String?
            else { return nil }
            file = home + "/.pgpass"
        }
        var status = stat()
        guard stat(file, &status) == 0 else { return nil }
        guard status.st_mode & S_IFMT == S_IFREG else { return nil }
        if status.st_mode & 0o077 != 0 {
            throw MRABatError(
                .config,
                "the password file \(file) can be read by others; make it private with `chmod 600 \(file)`",
                value: file)
        }
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw MRABatError(.config, "cannot read the password file \(file)", cause: "\(error)")
        }
        let host = endpoint.isUnixSocket ? "localhost" : endpoint.host
        let wanted = [host, String(endpoint.port), endpoint.database, endpoint.user]
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            let fields = passwordFileFields(line)
            guard fields.count == 5 else { continue }
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }

    /// One password-file line split at unescaped colons, escapes removed.
    static func passwordFileFields(_ line: Substring) -> [String] {
        var fields: [String] = []
        var field = ""
        var escaped = false
        for character in line {
            if escaped {
                field.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == ":" && fields.count < 4 {
                fields.append(field)
                field = ""
            } else {
                field.append(character)
            }
        }
        fields.append(field)
        return fields
    }
}
