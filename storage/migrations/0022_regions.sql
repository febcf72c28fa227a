-- Several regions in one deployment (#14): a region is a tenant (a wellbeing services county, say), with its own
-- staff, clients, groups, effect records and audit log; an organisation stays a label on staff, so a pair worker
-- from another organisation works in the client's region. Regions are rows the operator adds
-- (`kaari admin add-region`), keyed by their code, which the chat services file names too.
-- Every existing row goes into the region `default`, so a deployment that had no regions works on unchanged.
-- The region columns have no REFERENCES: SQLite adds a referencing column only with a NULL default, and a NULL
-- region would have to mean "the default one" everywhere. Regions are never deleted, and only the admin command
-- (which checks that the region exists) and the flows (which copy a staff member's region) write them.
CREATE TABLE regions (
    code TEXT PRIMARY KEY,
    name_fi TEXT NOT NULL,
    name_sv TEXT NOT NULL,
    name_en TEXT NOT NULL
);
INSERT INTO regions (code, name_fi, name_sv, name_en) VALUES ('default', '', '', '');

ALTER TABLE staff ADD COLUMN region TEXT NOT NULL DEFAULT 'default';
CREATE INDEX staff_by_region ON staff (region);
ALTER TABLE clients ADD COLUMN region TEXT NOT NULL DEFAULT 'default';
CREATE INDEX clients_by_region ON clients (region);
ALTER TABLE groups ADD COLUMN region TEXT NOT NULL DEFAULT 'default';
ALTER TABLE effect_records ADD COLUMN region TEXT NOT NULL DEFAULT 'default';
ALTER TABLE audit_log ADD COLUMN region TEXT NOT NULL DEFAULT 'default';
CREATE INDEX audit_log_by_region ON audit_log (region, at);

-- A worker of another region can be a client's pair worker for that client only, invited by the client's region's
-- coordinator with a one-time code of the new kind 'pair' (client_id names the client; the worker is whoever
-- opens it). SQLite changes a CHECK only by rebuilding the table; nothing refers to invitations.
CREATE TABLE invitations_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code_hash TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('staff', 'client', 'pair')),
    created_by INTEGER REFERENCES staff(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    staff_id INTEGER REFERENCES staff(id) ON DELETE CASCADE,
    client_id INTEGER REFERENCES clients(id) ON DELETE CASCADE,
    used_at TEXT,
    revoked_at TEXT
);
INSERT INTO invitations_new (id, code_hash, kind, created_by, created_at, expires_at, staff_id, client_id, used_at,
                             revoked_at)
    SELECT id, code_hash, kind, created_by, created_at, expires_at, staff_id, client_id, used_at, revoked_at
    FROM invitations;
DROP TABLE invitations;
ALTER TABLE invitations_new RENAME TO invitations;
