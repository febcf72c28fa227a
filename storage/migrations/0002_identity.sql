-- Identity, roles and consent (#3). People are still keyed by the keyed hash in users.key; staff and
-- clients are linked to it only by invitation (and, for clients, consent). No raw Telegram id anywhere.

CREATE TABLE staff (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    organisation TEXT NOT NULL,
    is_coordinator INTEGER NOT NULL,
    is_worker INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    user_key TEXT UNIQUE REFERENCES users(key) ON DELETE SET NULL,
    active INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE clients (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    nickname TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES staff(id),
    created_at TEXT NOT NULL,
    user_key TEXT UNIQUE REFERENCES users(key) ON DELETE SET NULL,
    linked_at TEXT,
    ended_at TEXT
);

-- A client's workers (often a pair from two organisations); one is the responsible worker.
CREATE TABLE pairs (
    client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    staff_id INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
    responsible INTEGER NOT NULL,
    PRIMARY KEY (client_id, staff_id)
);

-- Only a keyed hash of an invitation code is stored.
CREATE TABLE invitations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code_hash TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('staff', 'client')),
    created_by INTEGER REFERENCES staff(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    staff_id INTEGER REFERENCES staff(id) ON DELETE CASCADE,
    client_id INTEGER REFERENCES clients(id) ON DELETE CASCADE,
    used_at TEXT,
    revoked_at TEXT
);

CREATE TABLE consents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    item TEXT NOT NULL,
    version INTEGER NOT NULL,
    answer TEXT NOT NULL CHECK (answer IN ('yes', 'no', 'withdrawn')),
    at TEXT NOT NULL,
    channel TEXT NOT NULL
);
CREATE INDEX consents_by_client ON consents (client_id, at);

-- Ids and event names only, never content.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL
);
CREATE INDEX audit_by_subject ON audit_log (subject, at);

-- Wrong invitation codes per chat (keyed hash), for rate limiting.
CREATE TABLE code_attempts (
    chat_key TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX code_attempts_by_chat ON code_attempts (chat_key, at);

CREATE TABLE shares (
    assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    shared_at TEXT NOT NULL,
    PRIMARY KEY (assessment_id, client_id)
);

-- The chat id needed to write to a person later, encrypted; deleted when no longer needed.
CREATE TABLE contacts (
    user_key TEXT PRIMARY KEY REFERENCES users(key) ON DELETE CASCADE,
    sealed_chat TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Messages to push, now or later: time is data.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient TEXT NOT NULL REFERENCES users(key) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    due_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'dropped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    claimed_at TEXT,
    done_at TEXT
);
CREATE INDEX outbox_due ON outbox (status, due_at);
