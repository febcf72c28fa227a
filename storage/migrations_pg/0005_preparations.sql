-- PostgreSQL twin of storage/migrations/0005_preparations.sql (same tables, columns and indexes; the why is there too).
-- Network meetings (#5): a client's preparation for the next meeting, as a versioned JSON draft that the
-- client and their responsible worker both write. It goes with the client (ending the work, /forget).
CREATE TABLE preparations (
    client_id BIGINT PRIMARY KEY REFERENCES clients(id) ON DELETE CASCADE,
    data TEXT COLLATE "C" NOT NULL,
    version INTEGER NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    updated_by TEXT COLLATE "C" NOT NULL
);
