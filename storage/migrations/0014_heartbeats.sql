-- Heartbeats (#10): each long-running loop writes when it last completed a round ("time is data"), so that
-- `kaari health` (the Docker HEALTHCHECK) can tell a running bot from a stuck one without any HTTP port.
-- One row per loop, overwritten; no personal data.
CREATE TABLE heartbeats (
    name TEXT PRIMARY KEY,
    beat_at TEXT NOT NULL
);
