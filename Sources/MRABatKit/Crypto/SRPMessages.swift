/// The client's first message: who it claims to be and its public value A.
package struct SRPClientHello: Sendable, Hashable {
    /// The SRP identity I.
    package var identity: String
    /// A = g^a % N, big-endian, padded to the length of N.
    package var publicValue: [UInt8]

    package init(identity: String, publicValue: [UInt8]) {
        self.identity = identity
        self.publicValue = publicValue
    }
}

/// The server's answer to a hello: the salt stored with the verifier and its public value B.
package struct SRPServerChallenge: Sendable, Hashable {
    /// The salt s the verifier was made with.
    package var salt: [UInt8]
    /// B = (k·v + g^b) % N, big-endian, padded to the length of N.
    package var publicValue: [UInt8]

    package init(salt: [UInt8], publicValue: [UInt8]) {
        self.salt = salt
        self.publicValue = publicValue
    }
}

/// The client's proof M1 that it knows the password.
package struct SRPClientProof: Sendable, Hashable {
    /// M1, one hash output long.
    package var proof: [UInt8]

    package init(proof: [UInt8]) { self.proof = proof }
}

/// The server's proof M2 that it holds the verifier (and so derived the same key).
package struct SRPServerProof: Sendable, Hashable {
    /// M2, one hash output long.
    package var proof: [UInt8]

    package init(proof: [UInt8]) { self.proof = proof }
}
