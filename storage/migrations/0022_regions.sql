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
