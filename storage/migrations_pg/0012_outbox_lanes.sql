-- PostgreSQL twin of storage/migrations/0012_outbox_lanes.sql (same tables, columns and indexes; the why is there too).
-- Fair and ordered delivery (#9): the conversation a row belongs to, so that one recipient's chats take
-- turns, and a priority, so that a crisis chat's messages go first.
ALTER TABLE outbox ADD COLUMN lane TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
