-- PostgreSQL twin of storage/migrations/0010_handled_updates.sql (same tables, columns and indexes; the why is there too).
-- Durable intake (#9): the update ids whose input has committed, written in the handler's own transaction,
-- so that an update Telegram sends again after a crash is recognised and not applied twice. Update ids are
-- not personal data; they are purged after a day (Telegram keeps undelivered updates for 24 hours).
CREATE TABLE handled_updates (
    update_id BIGINT PRIMARY KEY,
    handled_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX handled_updates_at ON handled_updates (handled_at);
