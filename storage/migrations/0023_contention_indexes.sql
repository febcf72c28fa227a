-- Contention under load (#14): one recipient's outbox rows by an index. The ESY follow-up, /privacy, the shift
-- ticker and the console read them (Outbox.for_recipient) in transactions that also write the outbox. On SQLite it
-- saves a full scan; on PostgreSQL a full scan takes a SERIALIZABLE read lock (SIREAD) on the whole table, so
-- every concurrent transaction adding or finishing any outbox row conflicted with it and one of them was rolled
-- back; an index scan locks only the pages it reads.
CREATE INDEX outbox_by_recipient ON outbox (recipient, due_at, id);
