-- The young person's goals (ESY phase 2), in their own words, and each goal's history of changes.
-- client_id is set only for a goal written as a linked client (their workers may see it).
CREATE TABLE goals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_key TEXT NOT NULL REFERENCES users(key) ON DELETE CASCADE,
    client_id INTEGER REFERENCES clients(id) ON DELETE CASCADE,
    area_id TEXT NOT NULL,
    goal TEXT NOT NULL,
    sign TEXT,
    step TEXT,
    helper TEXT,
    due TEXT,
    status TEXT NOT NULL CHECK (status IN ('going', 'reached', 'let_go')),
    version INTEGER NOT NULL,
    agreed_version INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX goals_by_user ON goals (user_key, created_at);
CREATE INDEX goals_by_client ON goals (client_id);

CREATE TABLE goal_revisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    goal_id INTEGER NOT NULL REFERENCES goals(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    changed_by TEXT NOT NULL CHECK (changed_by IN ('young', 'worker')),
    what TEXT NOT NULL,
    value TEXT,
    changed_at TEXT NOT NULL
);
CREATE INDEX goal_revisions_by_goal ON goal_revisions (goal_id, id);
