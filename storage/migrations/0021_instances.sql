-- Several instances (#14): several `kaari run` processes share one database.
-- A row being sent is owned by the instance that claimed it, so that another instance's restart or safety net
-- puts back only the rows of an instance that is gone (its heartbeat stale), never a live one's send in flight.
-- '' is an owner from before this migration, or none: such a row is put back like a gone instance's.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
-- A lease: one holder at a time for a job only one instance may run (long polling Telegram), taken and renewed
-- in a transaction, and free to take once it expired (its holder was killed). No personal data.
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
