import GRDB

extension SQLiteStore {
    /// The schema, one migration per change; GRDB records which ran in `grdb_migrations`.
    ///
    /// Times are Unix seconds (INTEGER). Codes are never stored in plaintext: `activation_code`
    /// holds the SRP identity, salt and verifier and an AES-256-GCM sealed copy. Migrations that
    /// shipped are never edited: a change is a new migration.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: cluster, devices, codes, jobs") { db in
            try db.execute(
                sql: """
                    CREATE TABLE cluster (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        name TEXT NOT NULL,
                        config_json TEXT NOT NULL,
                        loaded_at INTEGER NOT NULL);
                    CREATE TABLE service_domain (
                        name TEXT PRIMARY KEY COLLATE NOCASE,
                        domain TEXT NOT NULL,
                        is_default INTEGER NOT NULL,
                        is_activation INTEGER NOT NULL,
                        srv_target TEXT,
                        srv_port INTEGER NOT NULL);
                    CREATE UNIQUE INDEX service_domain_one_default ON service_domain(is_default) WHERE is_default = 1;
                    CREATE UNIQUE INDEX service_domain_one_activation ON service_domain(is_activation) WHERE is_activation = 1;
                    CREATE TABLE call_manager_group (name TEXT PRIMARY KEY COLLATE NOCASE);
                    CREATE TABLE call_manager_node (
                        group_name TEXT NOT NULL REFERENCES call_manager_group(name) ON DELETE CASCADE,
                        priority INTEGER NOT NULL,
                        name TEXT NOT NULL,
                        process_node_name TEXT NOT NULL,
                        sip_port INTEGER NOT NULL,
                        secured_sip_port INTEGER NOT NULL,
                        PRIMARY KEY (group_name, priority));
                    CREATE TABLE device_pool (
                        name TEXT PRIMARY KEY COLLATE NOCASE,
                        call_manager_group TEXT NOT NULL REFERENCES call_manager_group(name),
                        service_domain TEXT REFERENCES service_domain(name));
                    CREATE TABLE model (
                        name TEXT PRIMARY KEY,
                        lines INTEGER NOT NULL,
                        enhanced_lines INTEGER,
                        load_information TEXT NOT NULL,
                        phone_button_template TEXT NOT NULL);
                    CREATE TABLE job (
                        id INTEGER PRIMARY KEY,
                        kind TEXT NOT NULL,
                        input_path TEXT NOT NULL,
                        template_name TEXT NOT NULL,
                        started_at INTEGER NOT NULL,
                        finished_at INTEGER,
                        accepted INTEGER NOT NULL DEFAULT 0,
                        unchanged INTEGER NOT NULL DEFAULT 0,
                        rejected INTEGER NOT NULL DEFAULT 0,
                        summary_json TEXT);
                    CREATE TABLE device (
                        id INTEGER PRIMARY KEY,
                        name TEXT NOT NULL UNIQUE,
                        mac TEXT UNIQUE,
                        natural_key TEXT NOT NULL UNIQUE,
                        fingerprint TEXT NOT NULL,
                        model TEXT NOT NULL REFERENCES model(name),
                        device_pool TEXT NOT NULL REFERENCES device_pool(name),
                        service_domain TEXT REFERENCES service_domain(name),
                        owner_user_id TEXT NOT NULL,
                        description TEXT,
                        location TEXT,
                        css TEXT,
                        protocol TEXT NOT NULL,
                        phone_button_template TEXT NOT NULL,
                        softkey_template TEXT NOT NULL,
                        security_profile TEXT NOT NULL,
                        sip_profile TEXT NOT NULL,
                        user_locale TEXT NOT NULL,
                        requires_activation_code INTEGER NOT NULL,
                        allow_activation_code_via_mra INTEGER NOT NULL,
                        template_name TEXT NOT NULL,
                        job_id INTEGER NOT NULL REFERENCES job(id),
                        created_at INTEGER NOT NULL,
                        activated_at INTEGER,
                        failed_attempts INTEGER NOT NULL DEFAULT 0,
                        throttled INTEGER NOT NULL DEFAULT 0);
                    CREATE INDEX device_owner ON device(owner_user_id);
                    CREATE TABLE line (
                        device_id INTEGER NOT NULL REFERENCES device(id) ON DELETE CASCADE,
                        idx INTEGER NOT NULL,
                        dn TEXT NOT NULL,
                        display TEXT,
                        label TEXT,
                        partition TEXT,
                        PRIMARY KEY (device_id, idx)) WITHOUT ROWID;
                    CREATE TABLE activation_code (
                        id INTEGER PRIMARY KEY,
                        device_id INTEGER NOT NULL REFERENCES device(id),
                        identity TEXT NOT NULL,
                        salt BLOB,
                        verifier BLOB,
                        sealed BLOB,
                        status TEXT NOT NULL CHECK (status IN ('outstanding', 'used', 'released', 'expired')),
                        bound_mac TEXT,
                        issued_at INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL,
                        ended_at INTEGER,
                        job_id INTEGER REFERENCES job(id));
                    CREATE UNIQUE INDEX activation_code_outstanding_identity
                        ON activation_code(identity) WHERE status = 'outstanding';
                    CREATE UNIQUE INDEX activation_code_outstanding_device
                        ON activation_code(device_id) WHERE status = 'outstanding';
                    CREATE TABLE job_row (
                        job_id INTEGER NOT NULL REFERENCES job(id),
                        line INTEGER NOT NULL,
                        outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'unchanged', 'rejected')),
                        device_id INTEGER REFERENCES device(id),
                        reason TEXT,
                        PRIMARY KEY (job_id, line)) WITHOUT ROWID;
                    CREATE TABLE audit (
                        id INTEGER PRIMARY KEY,
                        at INTEGER NOT NULL,
                        device_id INTEGER REFERENCES device(id),
                        device_name TEXT,
                        event TEXT NOT NULL,
                        outcome TEXT NOT NULL,
                        detail TEXT);
                    CREATE INDEX audit_device ON audit(device_id, at);
                    """)
        }
        migrator.registerMigration("v2: activation lifecycle indexes") { db in
            // Lifecycle commands look codes up by device and `expire` scans outstanding codes by expiry;
            // v1 indexed outstanding codes only by identity and device.
            try db.execute(
                sql: """
                    CREATE INDEX activation_code_device ON activation_code(device_id, id);
                    CREATE INDEX activation_code_identity ON activation_code(identity);
                    CREATE INDEX activation_code_outstanding_expiry ON activation_code(expires_at) WHERE status = 'outstanding';
                    CREATE INDEX audit_device_name ON audit(device_name);
                    """)
        }
        migrator.registerMigration("v3: sealing-key fingerprint; devices compared field by field") { db in
            // The store records which key sealed its codes, so a lost or swapped key file is refused
            // instead of silently replaced. Re-runs compare a row's fields with the stored device's
            // own columns, so the joined `fingerprint` string (decoded by position) goes.
            try db.execute(
                sql: """
                    CREATE TABLE sealing_key (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        fingerprint TEXT NOT NULL,
                        recorded_at INTEGER NOT NULL);
                    ALTER TABLE device DROP COLUMN fingerprint;
                    """)
        }
        migrator.registerMigration("v4: BAT files as Unified CM writes them: associated user, per-line call limits") {
            db in
            // Real BAT files carry the device's associated user (USER ID, apart from OWNER USER ID) and
            // per-line fields the phone's config file uses: call limits, external mask, ASCII names,
            // ring settings. All optional: rows of earlier versions read back as unset.
            try db.execute(
                sql: """
                    ALTER TABLE device ADD COLUMN user_id TEXT;
                    ALTER TABLE line ADD COLUMN max_num_calls INTEGER CHECK (max_num_calls BETWEEN 1 AND 200);
                    ALTER TABLE line ADD COLUMN busy_trigger INTEGER CHECK (busy_trigger BETWEEN 1 AND 200);
                    ALTER TABLE line ADD COLUMN external_phone_number_mask TEXT;
                    ALTER TABLE line ADD COLUMN ascii_display TEXT;
                    ALTER TABLE line ADD COLUMN ascii_label TEXT;
                    ALTER TABLE line ADD COLUMN ring_setting_idle TEXT;
                    ALTER TABLE line ADD COLUMN ring_setting_active TEXT;
                    """)
        }
        migrator.registerMigration("v5: update, delete and undo; device ids never reused") { db in
            try migrateToV5(db)
        }
        migrator.registerMigration("v6: ended codes' identities indexed apart from outstanding ones") { db in
            // v2's index of every code's identity put each new code into two random-keyed indexes (the
            // unique one of outstanding identities is the other): at 1M devices the costliest part of a
            // job's writes, each insert a page the cache no longer holds. A code is looked up by identity
            // as outstanding (v1's unique index) or, to tell a phone it was used or expired, as ended.
            try db.execute(
                sql: """
                    DROP INDEX activation_code_identity;
                    CREATE INDEX activation_code_ended_identity ON activation_code(identity) WHERE status <> 'outstanding';
                    """)
        }
        return migrator
    }

    /// Devices can now be removed (`delete`, `undo`) while their history stays: the audit log and the
    /// job rows keep a removed device's id, so they lose their foreign keys to `device`, and `device`
    /// takes `AUTOINCREMENT` so that no later device is ever given a removed one's id (an undo brings
    /// a device back under its own). Job rows record the device's name, what changed (old → new) and
    /// the device as it was before (for `undo`); jobs count updates and removals, link an undo to the
    /// job it reversed, and remember the audit log's end at commit (what happened since, such as an
    /// activation, comes after it). SQLite cannot alter constraints, so the three tables are rebuilt
    /// (its documented procedure: new table, copy, drop, rename); GRDB checks foreign keys after.
    private static func migrateToV5(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE device_v5 (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL UNIQUE,
                    mac TEXT UNIQUE,
                    natural_key TEXT NOT NULL UNIQUE,
                    model TEXT NOT NULL REFERENCES model(name),
                    device_pool TEXT NOT NULL REFERENCES device_pool(name),
                    service_domain TEXT REFERENCES service_domain(name),
                    owner_user_id TEXT NOT NULL,
                    user_id TEXT,
                    description TEXT,
                    location TEXT,
                    css TEXT,
                    protocol TEXT NOT NULL,
                    phone_button_template TEXT NOT NULL,
                    softkey_template TEXT NOT NULL,
                    security_profile TEXT NOT NULL,
                    sip_profile TEXT NOT NULL,
                    user_locale TEXT NOT NULL,
                    requires_activation_code INTEGER NOT NULL,
                    allow_activation_code_via_mra INTEGER NOT NULL,
                    template_name TEXT NOT NULL,
                    job_id INTEGER NOT NULL REFERENCES job(id),
                    created_at INTEGER NOT NULL,
                    activated_at INTEGER,
                    failed_attempts INTEGER NOT NULL DEFAULT 0,
                    throttled INTEGER NOT NULL DEFAULT 0);
                INSERT INTO device_v5 (
                    id, name, mac, natural_key, model, device_pool, service_domain, owner_user_id, user_id,
                    description, location, css, protocol, phone_button_template, softkey_template, security_profile, sip_profile,
                    user_locale, requires_activation_code, allow_activation_code_via_mra, template_name, job_id,
                    created_at, activated_at, failed_attempts, throttled)
                SELECT
                    id, name, mac, natural_key, model, device_pool, service_domain, owner_user_id, user_id,
                    description, location, css, protocol, phone_button_template, softkey_template, security_profile, sip_profile,
                    user_locale, requires_activation_code, allow_activation_code_via_mra, template_name, job_id,
                    created_at, activated_at, failed_attempts, throttled
                FROM device;

                CREATE TABLE job_row_v5 (
                    job_id INTEGER NOT NULL REFERENCES job(id),
                    line INTEGER NOT NULL,
                    outcome TEXT NOT NULL
                        CHECK (outcome IN ('accepted', 'unchanged', 'updated', 'deleted', 'rejected')),
                    device_id INTEGER,
                    reason TEXT,
                    device_name TEXT,
                    previous_name TEXT,
                    changes_json TEXT,
                    before_json TEXT,
                    PRIMARY KEY (job_id, line)) WITHOUT ROWID;
                INSERT INTO job_row_v5 (job_id, line, outcome, device_id, reason, device_name)
                    SELECT r.job_id, r.line, r.outcome, r.device_id, r.reason, d.name
                    FROM job_row r LEFT JOIN device d ON d.id = r.device_id;

                CREATE TABLE audit_v5 (
                    id INTEGER PRIMARY KEY,
                    at INTEGER NOT NULL,
                    device_id INTEGER,
                    device_name TEXT,
                    event TEXT NOT NULL,
                    outcome TEXT NOT NULL,
                    detail TEXT);
                INSERT INTO audit_v5 (id, at, device_id, device_name, event, outcome, detail)
                    SELECT id, at, device_id, device_name, event, outcome, detail FROM audit;

                DROP TABLE job_row;
                DROP TABLE audit;
                DROP TABLE device;
                ALTER TABLE device_v5 RENAME TO device;
                ALTER TABLE job_row_v5 RENAME TO job_row;
                ALTER TABLE audit_v5 RENAME TO audit;
                CREATE INDEX device_owner ON device(owner_user_id);
                CREATE INDEX audit_device ON audit(device_id, at);
                CREATE INDEX audit_device_name ON audit(device_name);
                CREATE INDEX job_row_device ON job_row(device_id, job_id) WHERE device_id IS NOT NULL;
                CREATE INDEX job_row_deleted_name ON job_row(device_name) WHERE outcome = 'deleted';

                ALTER TABLE job ADD COLUMN updated INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE job ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE job ADD COLUMN undone_by INTEGER REFERENCES job(id);
                ALTER TABLE job ADD COLUMN undoes INTEGER REFERENCES job(id);
                ALTER TABLE job ADD COLUMN audit_mark INTEGER;
                """)
    }
}
