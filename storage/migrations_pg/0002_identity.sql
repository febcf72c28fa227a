-- PostgreSQL twin of storage/migrations/0002_identity.sql (same tables, columns and indexes; the why is there too).
-- Identity, roles and consent (#3). People are still keyed by the keyed hash in users.key; staff and
-- clients are linked to it only by invitation (and, for clients, consent). No raw Telegram id anywhere.

CREATE TABLE staff (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT COLLATE "C" NOT NULL,
    title TEXT COLLATE "C" NOT NULL,
    organisation TEXT COLLATE "C" NOT NULL,
    is_coordinator INTEGER NOT NULL,
    is_worker INTEGER NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    user_key TEXT COLLATE "C" UNIQUE REFERENCES users(key) ON DELETE SET NULL,
    active INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE clients (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    nickname TEXT COLLATE "C" NOT NULL,
    created_by BIGINT NOT NULL REFERENCES staff(id),
    created_at TEXT COLLATE "C" NOT NULL,
    user_key TEXT COLLATE "C" UNIQUE REFERENCES users(key) ON DELETE SET NULL,
    linked_at TEXT COLLATE "C",
    ended_at TEXT COLLATE "C"
);

-- A client's workers (often a pair from two organisations); one is the responsible worker.
CREATE TABLE pairs (
    client_id BIGINT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    staff_id BIGINT NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
    responsible INTEGER NOT NULL,
    PRIMARY KEY (client_id, staff_id)
);

-- Only a keyed hash of an invitation code is stored.
CREATE TABLE invitations (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code_hash TEXT COLLATE "C" NOT NULL UNIQUE,
    kind TEXT COLLATE "C" NOT NULL CHECK (kind IN ('staff', 'client')),
    created_by BIGINT REFERENCES staff(id),
    created_at TEXT COLLATE "C" NOT NULL,
    expires_at TEXT COLLATE "C" NOT NULL,
    staff_id BIGINT REFERENCES staff(id) ON DELETE CASCADE,
    client_id BIGINT REFERENCES clients(id) ON DELETE CASCADE,
    used_at TEXT COLLATE "C",
    revoked_at TEXT COLLATE "C"
);

CREATE TABLE consents (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id BIGINT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    item TEXT COLLATE "C" NOT NULL,
    version INTEGER NOT NULL,
    answer TEXT COLLATE "C" NOT NULL CHECK (answer IN ('yes', 'no', 'withdrawn')),
    at TEXT COLLATE "C" NOT NULL,
    channel TEXT COLLATE "C" NOT NULL
);
CREATE INDEX consents_by_client ON consents (client_id, at);

-- Ids and event names only, never content.
CREATE TABLE audit_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at TEXT COLLATE "C" NOT NULL,
    actor TEXT COLLATE "C" NOT NULL,
    action TEXT COLLATE "C" NOT NULL,
    subject TEXT COLLATE "C" NOT NULL
);
CREATE INDEX audit_by_subject ON audit_log (subject, at);

-- Wrong invitation codes per chat (keyed hash), for rate limiting.
CREATE TABLE code_attempts (
    chat_key TEXT COLLATE "C" NOT NULL,
    at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX code_attempts_by_chat ON code_attempts (chat_key, at);

CREATE TABLE shares (
    assessment_id BIGINT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    client_id BIGINT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    shared_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (assessment_id, client_id)
);

-- The chat id needed to write to a person later, encrypted; deleted when no longer needed.
CREATE TABLE contacts (
    user_key TEXT COLLATE "C" PRIMARY KEY REFERENCES users(key) ON DELETE CASCADE,
    sealed_chat TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL
);

-- Messages to push, now or later: time is data.
CREATE TABLE outbox (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipient TEXT COLLATE "C" NOT NULL REFERENCES users(key) ON DELETE CASCADE,
    kind TEXT COLLATE "C" NOT NULL,
    message TEXT COLLATE "C" NOT NULL,
    due_at TEXT COLLATE "C" NOT NULL,
    status TEXT COLLATE "C" NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'dropped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    claimed_at TEXT COLLATE "C",
    done_at TEXT COLLATE "C"
);
CREATE INDEX outbox_due ON outbox (status, due_at);
