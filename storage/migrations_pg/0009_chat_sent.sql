-- PostgreSQL twin of storage/migrations/0009_chat_sent.sql (same tables, columns and indexes; the why is there too).
-- Which chat a message the bot sent to a worker belongs to (#9): a worker's swipe-reply is routed by the
-- replied-to message's id, never by its text (a young person's words can look like "Chat #1"). Message ids
-- are counters within one Telegram chat, not people's ids. Deleted with the chat's texts.
CREATE TABLE chat_sent (
    user_key TEXT COLLATE "C" NOT NULL REFERENCES users(key) ON DELETE CASCADE,
    message_id BIGINT NOT NULL,
    chat_id BIGINT NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
    PRIMARY KEY (user_key, message_id)
);
CREATE INDEX chat_sent_by_chat ON chat_sent (chat_id);
