-- PostgreSQL twin of storage/migrations/0014_heartbeats.sql (same tables, columns and indexes; the why is there too).
-- Heartbeats (#10): each long-running loop writes when it last completed a round ("time is data"), so that
-- `kaari health` (the Docker HEALTHCHECK) can tell a running bot from a stuck one without any HTTP port.
-- One row per loop, overwritten; no personal data.
CREATE TABLE heartbeats (
    name TEXT COLLATE "C" PRIMARY KEY,
    beat_at TEXT COLLATE "C" NOT NULL
);
