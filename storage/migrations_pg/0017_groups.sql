-- PostgreSQL twin of storage/migrations/0017_groups.sql (same tables, columns and indexes; the why is there too).
-- ESY groups (#12 §5): a worker's group with a join code, its members, rounds and the answers to them.
-- The code itself is never stored: only its keyed hash (to look it up) and a salt (from which, with
-- KAARI_SECRET, the worker's code is derived again to be shown). An answer is a link to the member's own
-- assessment: deleting the person, the assessment or the membership leaves nothing counted.
CREATE TABLE groups (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT COLLATE "C" NOT NULL,
    starts_on TEXT COLLATE "C" NOT NULL,
    ends_on TEXT COLLATE "C" NOT NULL,
    created_by BIGINT NOT NULL REFERENCES staff(id),
    created_at TEXT COLLATE "C" NOT NULL,
    code_hash TEXT COLLATE "C" NOT NULL UNIQUE,
    code_salt TEXT COLLATE "C" NOT NULL,
    closed_at TEXT COLLATE "C"
);
CREATE INDEX groups_by_staff ON groups (created_by);

CREATE TABLE group_members (
    group_id BIGINT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    user_key TEXT COLLATE "C" NOT NULL REFERENCES users(key) ON DELETE CASCADE,
    joined_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (group_id, user_key)
);
CREATE INDEX group_members_by_user ON group_members (user_key);

CREATE TABLE group_rounds (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    group_id BIGINT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    opened_by BIGINT NOT NULL REFERENCES staff(id),
    opened_at TEXT COLLATE "C" NOT NULL,
    area TEXT COLLATE "C"
);
CREATE INDEX group_rounds_by_group ON group_rounds (group_id);

CREATE TABLE group_answers (
    round_id BIGINT NOT NULL REFERENCES group_rounds(id) ON DELETE CASCADE,
    user_key TEXT COLLATE "C" NOT NULL REFERENCES users(key) ON DELETE CASCADE,
    assessment_id BIGINT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    answered_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (round_id, user_key)
);
CREATE INDEX group_answers_by_user ON group_answers (user_key);
