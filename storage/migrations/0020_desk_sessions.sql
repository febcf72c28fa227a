-- The worker's desk in a browser (#13): a one-time login link sent to the worker's Telegram (or shown in
-- `kaari chat`) opens a session held in a cookie. Only SHA-256 hashes of the link's token and of the session's
-- id are stored, so the database alone opens no desk. Both go with the staff row.
CREATE TABLE desk_logins (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    staff_id INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX desk_logins_by_expiry ON desk_logins (expires_at);

CREATE TABLE desk_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_hash TEXT NOT NULL UNIQUE,
    staff_id INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    seen_at TEXT NOT NULL
);
CREATE INDEX desk_sessions_by_staff ON desk_sessions (staff_id);
