import Foundation
import MRABatKit

/// Self-Care's pages: the login form, the phones ready to activate (code and QR code as inline SVG),
/// and short messages. Everything from the store or the user is HTML-escaped.
enum SelfCareHTML {
    struct Phone: Sendable {
        var deviceName: String
        var model: String
        var description: String?
        var code: String
        var expiresAt: Date
        var qr: QRCode
    }

    private static let style = """
        body { font-family: sans-serif; margin: 2em; color: #222; }
        section { border: 1px solid #ccc; padding: 1em; margin-bottom: 1em; display: flex; gap: 2em; align-items: center; }
        .code { font-family: monospace; font-size: 1.6em; letter-spacing: 0.1em; }
        .message { color: #a00; }
        label { display: block; margin: 0.5em 0; }
        """

    static func login(csrf: String, message: String?) -> String {
        page(
            title: "Self-Care — log in",
            body: """
                <h1>Self-Care</h1>
                \(message.map { "<p class=\"message\">\(escape($0))</p>" } ?? "")
                <form method="post" action="/selfcare/login">
                <input type="hidden" name="csrf" value="\(escape(csrf))">
                <label>User <input name="user" autocomplete="username" required></label>
                <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
                <button type="submit">Log in</button>
                </form>
                """)
    }

    static func phones(user: String, phones: [Phone], csrf: String) -> String {
        var body = """
            <h1>Phones ready to activate</h1>
            <p>User \(escape(user)). On the phone, choose <em>Activation code onboarding</em> and enter the code, or scan it.</p>
            <form method="post" action="/selfcare/logout">
            <input type="hidden" name="csrf" value="\(escape(csrf))">
            <button type="submit">Log out</button>
            </form>

            """
        if phones.isEmpty { body += "<p>No phone is waiting for activation.</p>\n" }
        for phone in phones {
            let grouped = stride(from: 0, to: phone.code.count, by: 4).map { offset in
                String(phone.code.dropFirst(offset).prefix(4))
            }.joined(separator: " ")
            body += """
                <section>
                \(svg(phone.qr, label: "QR code of the activation code for \(phone.deviceName)"))
                <div>
                <h2>\(escape(phone.description ?? phone.deviceName))</h2>
                <p>\(escape(phone.model)) · \(escape(phone.deviceName))</p>
                <p class="code">\(escape(grouped))</p>
                <p>Valid until \(AuditTime.format(phone.expiresAt))</p>
                </div>
                </section>

                """
        }
        return page(title: "Phones ready to activate — \(user)", body: body)
    }

    static func message(_ text: String) -> String {
        page(title: "Self-Care", body: "<h1>Self-Care</h1>\n<p class=\"message\">\(escape(text))</p>\n")
    }

    /// The QR code as an SVG: one unit per module, a four-module quiet zone, 8 px per module.
    static func svg(_ qr: QRCode, label: String) -> String {
        let side = qr.size + 8
        var path = ""
        for y in 0..<qr.size {
            for x in 0..<qr.size where qr.isDark(x: x, y: y) { path += "M\(x + 4) \(y + 4)h1v1h-1z" }
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="\(escape(label))" width="\(side * 8)" \
            height="\(side * 8)" viewBox="0 0 \(side) \(side)" shape-rendering="crispEdges">\
            <rect width="\(side)" height="\(side)" fill="#fff"/><path d="\(path)" fill="#000"/></svg>
            """
    }

    private static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>\(escape(title))</title>
        <style>
        \(style)
        </style>
        </head>
        <body>
        \(body)
        </body>
        </html>

        """
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
