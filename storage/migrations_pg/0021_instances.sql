-- PostgreSQL twin of storage/migrations/0021_instances.sql (same tables, columns and indexes; the why is there too).
-- Several instances (#14): a row being sent is owned by the instance that claimed it; a lease for a job only one
-- instance may run (long polling).
ALTER TABLE outbox ADD COLUMN claimed_by TEXT COLLATE "C" NOT NULL DEFAULT '';
CREATE TABLE leases (
    name TEXT COLLATE "C" PRIMARY KEY,
    holder TEXT COLLATE "C" NOT NULL,
    expires_at TEXT COLLATE "C" NOT NULL
);
