-- ESY groups (#12 §5): a worker's group with a join code, its members, rounds and the answers to them.
-- The code itself is never stored: only its keyed hash (to look it up) and a salt (from which, with
-- KAARI_SECRET, the worker's code is derived again to be shown). An answer is a link to the member's own
-- assessment: deleting the person, the assessment or the membership leaves nothing counted.
CREATE TABLE groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES staff(id),
    created_at TEXT NOT NULL,
    code_hash TEXT NOT NULL UNIQUE,
    code_salt TEXT NOT NULL,
    closed_at TEXT
);
CREATE INDEX groups_by_staff ON groups (created_by);

CREATE TABLE group_members (
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    user_key TEXT NOT NULL REFERENCES users(key) ON DELETE CASCADE,
    joined_at TEXT NOT NULL,
    PRIMARY KEY (group_id, user_key)
);
CREATE INDEX group_members_by_user ON group_members (user_key);

CREATE TABLE group_rounds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    opened_by INTEGER NOT NULL REFERENCES staff(id),
    opened_at TEXT NOT NULL,
    area TEXT
);
CREATE INDEX group_rounds_by_group ON group_rounds (group_id);

CREATE TABLE group_answers (
    round_id INTEGER NOT NULL REFERENCES group_rounds(id) ON DELETE CASCADE,
    user_key TEXT NOT NULL REFERENCES users(key) ON DELETE CASCADE,
    assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    answered_at TEXT NOT NULL,
    PRIMARY KEY (round_id, user_key)
);
CREATE INDEX group_answers_by_user ON group_answers (user_key);
