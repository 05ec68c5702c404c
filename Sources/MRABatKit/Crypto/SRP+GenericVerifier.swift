extension SRP {
    /// The verifier as ``makeVerifier(identity:password:salt:parameters:)`` makes it, but with
    /// OpenSSL's generic `BN_mod_exp_mont_consttime` instead of the group's table of powers of g:
    /// the benchmark's yardstick and the tests' reference.
    ///
    /// - Throws: ``MRABatError`` `.crypto` if OpenSSL fails.
    package static func makeVerifierWithOpenSSL(
        identity: String, password: String, salt: [UInt8], parameters: SRPParameters
    ) throws -> [UInt8] {
        var x = try privateKey(identity: identity, password: password, salt: salt, parameters: parameters)
        defer { x.wipe() }
        return try parameters.group.genericGeneratorPower(x)
    }
}
