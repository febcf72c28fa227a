-- Network meetings (#5): when the work ends, the worker pair's closing reflection (what succeeded, what was
-- hard, what we learned, what to develop) and the client's feedback on a five-step scale. Both go with the
-- client.
CREATE TABLE evaluations (
    client_id INTEGER PRIMARY KEY REFERENCES clients(id) ON DELETE CASCADE,
    reflection TEXT NOT NULL,
    feedback TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
