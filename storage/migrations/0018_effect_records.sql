-- Effect records (#12 §6): when a client who agreed to it (consent item "effect") is deleted, what their ESY
-- circles showed of change is kept, de-identified, for the coordinators' effect report: per area the first and
-- the latest score, the months (not days) they were filled, the names of the services linked to their goals and
-- their groups. No user key, no client id, no words. The id is random and the table has no rowid, so neither
-- the id nor the order of rows says when, or after whom, a record was written.
CREATE TABLE effect_records (
    id TEXT PRIMARY KEY,
    instrument_id TEXT NOT NULL,
    first_month TEXT NOT NULL,
    latest_month TEXT NOT NULL,
    first_scores TEXT NOT NULL,
    latest_scores TEXT NOT NULL,
    services TEXT NOT NULL,
    groups TEXT NOT NULL
) WITHOUT ROWID;
