-- PostgreSQL twin of storage/migrations/0015_readings.sql (same tables, columns and indexes; the why is there too).
-- A worker's own reading of a client's ESY situation (#12 §1): the same instrument, walked by the worker,
-- to set beside the circle the client shared. It is data about the client: it goes with the client (/forget),
-- and the ESY hooks delete it when the work ends or consent (c) is withdrawn, as the shared circles go.
-- ``saw_circle``: whether the worker had opened the client's latest shared circle before starting (anchoring,
-- said honestly beside the comparison, never a block).
CREATE TABLE readings (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id BIGINT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    staff_id BIGINT NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
    instrument_id TEXT COLLATE "C" NOT NULL,
    instrument_version INTEGER NOT NULL,
    completed_at TEXT COLLATE "C" NOT NULL,
    ratings TEXT COLLATE "C" NOT NULL,
    area_scores TEXT COLLATE "C" NOT NULL,
    saw_circle INTEGER NOT NULL CHECK (saw_circle IN (0, 1))
);
CREATE INDEX readings_by_client ON readings (client_id, completed_at);

-- One line per area per side per comparison (a reading beside one shared circle); written again, the latest
-- wins. It goes with the reading and with the circle.
CREATE TABLE reading_comments (
    reading_id BIGINT NOT NULL REFERENCES readings(id) ON DELETE CASCADE,
    assessment_id BIGINT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    area_id TEXT COLLATE "C" NOT NULL,
    side TEXT COLLATE "C" NOT NULL CHECK (side IN ('client', 'worker')),
    text TEXT COLLATE "C" NOT NULL,
    written_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (reading_id, assessment_id, area_id, side)
);
CREATE INDEX reading_comments_by_assessment ON reading_comments (assessment_id);
