-- PostgreSQL twin of storage/migrations/0001_spine.sql (same tables, columns and indexes; the why is there too).
-- Users are keyed by a keyed hash; no raw Telegram id is ever written here.
CREATE TABLE users (
    key TEXT COLLATE "C" PRIMARY KEY,
    language TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    last_seen_at TEXT COLLATE "C" NOT NULL
);

-- One row per active conversation: versioned plain JSON, written with the answer it records.
CREATE TABLE conversations (
    key TEXT COLLATE "C" PRIMARY KEY REFERENCES users(key) ON DELETE CASCADE,
    flow TEXT COLLATE "C" NOT NULL,
    state TEXT COLLATE "C" NOT NULL,
    flow_version INTEGER NOT NULL,
    step INTEGER NOT NULL,
    data TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL
);

CREATE TABLE assessments (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_key TEXT COLLATE "C" NOT NULL REFERENCES users(key) ON DELETE CASCADE,
    instrument_id TEXT COLLATE "C" NOT NULL,
    instrument_version INTEGER NOT NULL,
    completed_at TEXT COLLATE "C" NOT NULL,
    ratings TEXT COLLATE "C" NOT NULL,
    area_scores TEXT COLLATE "C" NOT NULL,
    wishes TEXT COLLATE "C" NOT NULL
);
CREATE INDEX assessments_by_user ON assessments (user_key, instrument_id, completed_at);
