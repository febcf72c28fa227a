-- Users are keyed by a keyed hash; no raw Telegram id is ever written here.
CREATE TABLE users (
    key TEXT PRIMARY KEY,
    language TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);

-- One row per active conversation: versioned plain JSON, written with the answer it records.
CREATE TABLE conversations (
    key TEXT PRIMARY KEY REFERENCES users(key) ON DELETE CASCADE,
    flow TEXT NOT NULL,
    state TEXT NOT NULL,
    flow_version INTEGER NOT NULL,
    step INTEGER NOT NULL,
    data TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE assessments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_key TEXT NOT NULL REFERENCES users(key) ON DELETE CASCADE,
    instrument_id TEXT NOT NULL,
    instrument_version INTEGER NOT NULL,
    completed_at TEXT NOT NULL,
    ratings TEXT NOT NULL,
    area_scores TEXT NOT NULL,
    wishes TEXT NOT NULL
);
CREATE INDEX assessments_by_user ON assessments (user_key, instrument_id, completed_at);
