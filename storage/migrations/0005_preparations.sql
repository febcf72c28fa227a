-- Network meetings (#5): a client's preparation for the next meeting, as a versioned JSON draft that the
-- client and their responsible worker both write. It goes with the client (ending the work, /forget).
CREATE TABLE preparations (
    client_id INTEGER PRIMARY KEY REFERENCES clients(id) ON DELETE CASCADE,
    data TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
