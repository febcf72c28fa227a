-- PostgreSQL twin of storage/migrations/0008_evaluations.sql (same tables, columns and indexes; the why is there too).
-- Network meetings (#5): when the work ends, the worker pair's closing reflection (what succeeded, what was
-- hard, what we learned, what to develop) and the client's feedback on a five-step scale. Both go with the
-- client.
CREATE TABLE evaluations (
    client_id BIGINT PRIMARY KEY REFERENCES clients(id) ON DELETE CASCADE,
    reflection TEXT COLLATE "C" NOT NULL,
    feedback TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL
);
