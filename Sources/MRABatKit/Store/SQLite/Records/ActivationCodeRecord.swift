import Foundation
import GRDB

/// A row of `activation_code`: an issued code's secrets while outstanding (never the code), its status and dates.
struct ActivationCodeRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable, BulkInsertable {
    static let databaseTableName = "activation_code"

    var id: Int64?
    var deviceID: Int64
    /// The SRP identity (``ActivationIdentity``); unique among outstanding codes.
    var identity: String
    var salt: Data?
    var verifier: Data?
    var sealed: Data?
    var status: String
    var boundMAC: String?
    var issuedAt: Int64
    var expiresAt: Int64
    var endedAt: Int64?
    var jobID: Int64?

    enum CodingKeys: String, CodingKey {
        case id, identity, salt, verifier, sealed, status
        case deviceID = "device_id"
        case boundMAC = "bound_mac"
        case issuedAt = "issued_at"
        case expiresAt = "expires_at"
        case endedAt = "ended_at"
        case jobID = "job_id"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let deviceID = Column(CodingKeys.deviceID)
        static let identity = Column(CodingKeys.identity)
        static let salt = Column(CodingKeys.salt)
        static let verifier = Column(CodingKeys.verifier)
        static let sealed = Column(CodingKeys.sealed)
        static let status = Column(CodingKeys.status)
        static let expiresAt = Column(CodingKeys.expiresAt)
        static let endedAt = Column(CodingKeys.endedAt)
        static let boundMAC = Column(CodingKeys.boundMAC)
    }

    static let outstanding = Columns.status == ActivationCodeStatus.outstanding.rawValue
    static let device = belongsTo(DeviceRecord.self, using: ForeignKey([Columns.deviceID]))

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    var bulkRow: KeyValuePairs<CodingKeys, (any DatabaseValueConvertible)?> {
        [
            .id: id, .deviceID: deviceID, .identity: identity, .salt: salt, .verifier: verifier, .sealed: sealed,
            .status: status, .boundMAC: boundMAC, .issuedAt: issuedAt, .expiresAt: expiresAt, .endedAt: endedAt,
            .jobID: jobID,
        ]
    }

    /// A new outstanding code.
    init(
        deviceID: Int64, secrets: IssuedCodeSecrets, boundMAC: String?, issuedAt: Int64, expiresAt: Int64,
        jobID: Int64?
    ) {
        id = nil
        self.deviceID = deviceID
        identity = secrets.identity
        salt = Data(secrets.salt)
        verifier = Data(secrets.verifier)
        sealed = Data(secrets.sealed)
        status = ActivationCodeStatus.outstanding.rawValue
        self.boundMAC = boundMAC
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        endedAt = nil
        self.jobID = jobID
    }

    var state: CodeState {
        CodeState(
            id: id ?? 0, deviceID: deviceID,
            // The column's CHECK constraint admits only the four statuses.
            status: ActivationCodeStatus(rawValue: status) ?? .released, salt: salt.map { [UInt8]($0) },
            verifier: verifier.map { [UInt8]($0) }, boundMAC: boundMAC, issuedAt: SQLiteStore.date(issuedAt),
            expiresAt: SQLiteStore.date(expiresAt), endedAt: endedAt.map(SQLiteStore.date))
    }
}
