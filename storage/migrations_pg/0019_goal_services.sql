-- PostgreSQL twin of storage/migrations/0019_goal_services.sql (same tables, columns and indexes; the why is there too).
-- The region's services a worker linked to a young person's goal (ESY phase 3), and at follow-up whether each
-- was reached and helped. Both go with the goal (and so with /forget, the end of the work, withdrawing (c)).
CREATE TABLE goal_services (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    goal_id BIGINT NOT NULL REFERENCES goals(id) ON DELETE CASCADE,
    service_id TEXT COLLATE "C" NOT NULL,
    linked_at TEXT COLLATE "C" NOT NULL,
    UNIQUE (goal_id, service_id)
);

CREATE TABLE goal_service_followups (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    link_id BIGINT NOT NULL REFERENCES goal_services(id) ON DELETE CASCADE,
    reached TEXT COLLATE "C" NOT NULL CHECK (reached IN ('yes', 'not_yet', 'no')),
    helped TEXT COLLATE "C" CHECK (helped IN ('yes', 'somewhat', 'no', 'cant_say')),
    answered_by TEXT COLLATE "C" NOT NULL CHECK (answered_by IN ('young', 'worker')),
    answered_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX goal_service_followups_by_link ON goal_service_followups (link_id, id);

-- A network meeting's promise may be for one of the young person's goals; the link goes if the goal does.
ALTER TABLE promises ADD COLUMN goal_id BIGINT REFERENCES goals(id) ON DELETE SET NULL;
CREATE INDEX promises_by_goal ON promises (goal_id);
