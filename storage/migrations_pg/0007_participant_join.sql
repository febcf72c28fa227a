-- PostgreSQL twin of storage/migrations/0007_participant_join.sql (same tables, columns and indexes; the why is there too).
-- Network meetings (#5): a participant without a Kaari account joins with a one-time code (only its keyed
-- hash is stored, and only until it is used or runs out), which gives them this meeting's memo and their own
-- promises and nothing else. A UNIQUE index allows any number of NULLs.
ALTER TABLE participants ADD COLUMN join_hash TEXT COLLATE "C";
ALTER TABLE participants ADD COLUMN join_expires_at TEXT COLLATE "C";
CREATE UNIQUE INDEX participants_by_join ON participants (join_hash);
