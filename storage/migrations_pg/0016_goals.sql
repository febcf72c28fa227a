-- PostgreSQL twin of storage/migrations/0016_goals.sql (same tables, columns and indexes; the why is there too).
-- The young person's goals (ESY phase 2), in their own words, and each goal's history of changes.
-- client_id is set only for a goal written as a linked client (their workers may see it).
CREATE TABLE goals (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_key TEXT COLLATE "C" NOT NULL REFERENCES users(key) ON DELETE CASCADE,
    client_id BIGINT REFERENCES clients(id) ON DELETE CASCADE,
    area_id TEXT COLLATE "C" NOT NULL,
    goal TEXT COLLATE "C" NOT NULL,
    sign TEXT COLLATE "C",
    step TEXT COLLATE "C",
    helper TEXT COLLATE "C",
    due TEXT COLLATE "C",
    status TEXT COLLATE "C" NOT NULL CHECK (status IN ('going', 'reached', 'let_go')),
    version INTEGER NOT NULL,
    agreed_version INTEGER,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX goals_by_user ON goals (user_key, created_at);
CREATE INDEX goals_by_client ON goals (client_id);

CREATE TABLE goal_revisions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    goal_id BIGINT NOT NULL REFERENCES goals(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    changed_by TEXT COLLATE "C" NOT NULL CHECK (changed_by IN ('young', 'worker')),
    what TEXT COLLATE "C" NOT NULL,
    value TEXT COLLATE "C",
    changed_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX goal_revisions_by_goal ON goal_revisions (goal_id, id);
