-- Weekly chat slots changed by coordinators in Telegram (#4): a new weekly slot, or a slot of the services
-- file switched off (removed = 1). Days are "mon".."sun" and times "HH:MM" in Helsinki wall-clock time.
CREATE TABLE weekly_slots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    service TEXT NOT NULL,
    day TEXT NOT NULL CHECK (day IN ('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun')),
    start_time TEXT NOT NULL,
    end_time TEXT NOT NULL,
    removed INTEGER NOT NULL
);
CREATE INDEX weekly_slots_by_service ON weekly_slots (service);
