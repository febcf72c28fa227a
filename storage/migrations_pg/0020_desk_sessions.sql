-- PostgreSQL twin of storage/migrations/0020_desk_sessions.sql (same tables, columns and indexes; the why is there too).
-- The worker's desk in a browser (#13): a one-time login link sent to the worker's Telegram (or shown in
-- `kaari chat`) opens a session held in a cookie. Only SHA-256 hashes of the link's token and of the session's
-- id are stored, so the database alone opens no desk. Both go with the staff row.
CREATE TABLE desk_logins (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash TEXT COLLATE "C" NOT NULL UNIQUE,
    staff_id BIGINT NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
    created_at TEXT COLLATE "C" NOT NULL,
    expires_at TEXT COLLATE "C" NOT NULL,
    used_at TEXT COLLATE "C"
);
CREATE INDEX desk_logins_by_expiry ON desk_logins (expires_at);

CREATE TABLE desk_sessions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_hash TEXT COLLATE "C" NOT NULL UNIQUE,
    staff_id BIGINT NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
    csrf TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    seen_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX desk_sessions_by_staff ON desk_sessions (staff_id);
