-- PostgreSQL twin of storage/migrations/0011_chat_forget_tag.sql (same tables, columns and indexes; the why is there too).
-- /forget reaches a person's closed chats too: a keyed hash of the person (HMAC with KAARI_SECRET, which is
-- kept apart from the database), so the database alone cannot tie a closed chat to anyone. It is cleared
-- together with the chat's texts (after the retention time or at /forget).
ALTER TABLE chats ADD COLUMN forget_tag TEXT COLLATE "C";
CREATE INDEX chats_by_forget_tag ON chats (forget_tag) WHERE forget_tag IS NOT NULL;
