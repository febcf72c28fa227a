-- PostgreSQL twin of storage/migrations/0004_weekly_slots.sql (same tables, columns and indexes; the why is there too).
-- Weekly chat slots changed by coordinators in Telegram (#4): a new weekly slot, or a slot of the services
-- file switched off (removed = 1). Days are "mon".."sun" and times "HH:MM" in Helsinki wall-clock time.
CREATE TABLE weekly_slots (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    service TEXT COLLATE "C" NOT NULL,
    day TEXT COLLATE "C" NOT NULL CHECK (day IN ('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun')),
    start_time TEXT COLLATE "C" NOT NULL,
    end_time TEXT COLLATE "C" NOT NULL,
    removed INTEGER NOT NULL
);
CREATE INDEX weekly_slots_by_service ON weekly_slots (service);
