import Foundation

/// The JSON bodies of SPEC §7's activation API. Requests reject unknown fields (a typo must not be
/// silently ignored); byte strings are even-length lowercase hex (checked by the controller).
package enum ActivationAPI {
    /// `POST /activation/v1/start`.
    package struct StartRequest: Codable, Sendable {
        package var identity: String
        /// `A`.
        package var publicValue: String
        package var model: String
        package var mac: String

        package init(identity: String, publicValue: String, model: String, mac: String) {
            self.identity = identity
            self.publicValue = publicValue
            self.model = model
            self.mac = mac
        }

        private enum CodingKeys: String, CodingKey, CaseIterable {
            case identity, publicValue = "A", model, mac
        }

        package init(from decoder: any Decoder) throws {
            try StrictKeys.check(decoder, CodingKeys.allCases.map(\.rawValue))
            let container = try decoder.container(keyedBy: CodingKeys.self)
            identity = try container.decode(String.self, forKey: .identity)
            publicValue = try container.decode(String.self, forKey: .publicValue)
            model = try container.decode(String.self, forKey: .model)
            mac = try container.decode(String.self, forKey: .mac)
        }
    }

    /// The answer to a start: the session to finish, the code's salt and B.
    package struct StartResponse: Codable, Sendable {
        package var session: String
        package var salt: String
        /// `B`.
        package var publicValue: String

        private enum CodingKeys: String, CodingKey { case session, salt, publicValue = "B" }
    }

    /// `POST /activation/v1/finish`.
    package struct FinishRequest: Codable, Sendable {
        package var session: String
        /// `M1`.
        package var proof: String

        package init(session: String, proof: String) {
            self.session = session
            self.proof = proof
        }

        private enum CodingKeys: String, CodingKey, CaseIterable { case session, proof = "M1" }

        package init(from decoder: any Decoder) throws {
            try StrictKeys.check(decoder, CodingKeys.allCases.map(\.rawValue))
            let container = try decoder.container(keyedBy: CodingKeys.self)
            session = try container.decode(String.self, forKey: .session)
            proof = try container.decode(String.self, forKey: .proof)
        }
    }

    /// Where the activated phone goes over MRA.
    package struct Target: Codable, Sendable, Equatable {
        /// The cluster's MRA activation domain (DNS domain).
        package var domain: String
        /// The device's effective MRA service domain (DNS domain).
        package var serviceDomain: String
        /// Whether its config file redirects it to the service domain.
        package var redirect: Bool
    }

    /// The answer to a successful finish.
    package struct FinishResponse: Codable, Sendable {
        /// `M2`.
        package var proof: String
        package var device: String
        package var mraTarget: Target
        /// The path of the device's config file on the config listener.
        package var config: String

        private enum CodingKeys: String, CodingKey { case proof = "M2", device, mraTarget, config }
    }

    /// Every refusal and error: `403`, `400`, `429`, `413`.
    package struct ErrorResponse: Codable, Sendable, Equatable {
        package var error: String
        package var message: String
    }
}

/// Rejects keys a request type does not know.
enum StrictKeys {
    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    static func check(_ decoder: any Decoder, _ known: [String]) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        let unknown = container.allKeys.map(\.stringValue).filter { !known.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: [], debugDescription: "unknown field(s) \(unknown.joined(separator: ", "))"))
        }
    }
}
