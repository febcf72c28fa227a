-- PostgreSQL twin of storage/migrations/0018_effect_records.sql (same tables, columns and indexes; the why is there too).
-- Effect records (#12 §6): when a client who agreed to it (consent item "effect") is deleted, what their ESY
-- circles showed of change is kept, de-identified, for the coordinators' effect report: per area the first and
-- the latest score, the months (not days) they were filled, the names of the services linked to their goals and
-- their groups. No user key, no client id, no words. The id is random and the table has no rowid, so neither
-- the id nor the order of rows says when, or after whom, a record was written.
CREATE TABLE effect_records (
    id TEXT COLLATE "C" PRIMARY KEY,
    instrument_id TEXT COLLATE "C" NOT NULL,
    first_month TEXT COLLATE "C" NOT NULL,
    latest_month TEXT COLLATE "C" NOT NULL,
    first_scores TEXT COLLATE "C" NOT NULL,
    latest_scores TEXT COLLATE "C" NOT NULL,
    services TEXT COLLATE "C" NOT NULL,
    groups TEXT COLLATE "C" NOT NULL
);
-- PostgreSQL has no WITHOUT ROWID: a heap keeps rows roughly in the order they were written, and a row's
-- physical place (ctid) is visible to whoever reads the files; the repository reads them ordered by the random id.
