-- PostgreSQL twin of storage/migrations/0022_regions.sql (same tables, columns and indexes; the why is there too).
-- Several regions in one deployment (#14): a region is a tenant, keyed by the operator's code; every existing
-- row goes into the region `default`. The region columns have no REFERENCES, as in SQLite (there a referencing
-- column can only be added with a NULL default): regions are never deleted, and only the admin command (which
-- checks that the region exists) and the flows (which copy a staff member's region) write them.
CREATE TABLE regions (
    code TEXT COLLATE "C" PRIMARY KEY,
    name_fi TEXT COLLATE "C" NOT NULL,
    name_sv TEXT COLLATE "C" NOT NULL,
    name_en TEXT COLLATE "C" NOT NULL
);
INSERT INTO regions (code, name_fi, name_sv, name_en) VALUES ('default', '', '', '');

ALTER TABLE staff ADD COLUMN region TEXT COLLATE "C" NOT NULL DEFAULT 'default';
CREATE INDEX staff_by_region ON staff (region);
ALTER TABLE clients ADD COLUMN region TEXT COLLATE "C" NOT NULL DEFAULT 'default';
CREATE INDEX clients_by_region ON clients (region);
ALTER TABLE groups ADD COLUMN region TEXT COLLATE "C" NOT NULL DEFAULT 'default';
ALTER TABLE effect_records ADD COLUMN region TEXT COLLATE "C" NOT NULL DEFAULT 'default';
ALTER TABLE audit_log ADD COLUMN region TEXT COLLATE "C" NOT NULL DEFAULT 'default';
CREATE INDEX audit_log_by_region ON audit_log (region, at);

-- A worker of another region can be a client's pair worker for that client only: invitations of the new kind
-- 'pair' (in SQLite the table is rebuilt for its CHECK; here the constraint is replaced).
ALTER TABLE invitations DROP CONSTRAINT invitations_kind_check;
ALTER TABLE invitations ADD CONSTRAINT invitations_kind_check CHECK (kind IN ('staff', 'client', 'pair'));
