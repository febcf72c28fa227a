-- PostgreSQL twin of storage/migrations/0006_meetings.sql (same tables, columns and indexes; the why is there too).
-- Network meetings (#5): a client's meetings, the people at each, and what each of them promised. All of it
-- goes with the client (ending the work, /forget). Times are UTC ISO text; a promise's due date and the end
-- date of the work are calendar days (ISO dates, no time or zone: "by Friday" is a day, not an instant).
-- Columns are named to avoid SQL keywords (a promise's TEXT is its body).

-- A meeting of a client's work. The worker who set it up stays on record (no cascade, as for
-- clients.created_by). A follow-up meeting points at the one it follows; if that one is deleted, the
-- follow-up stays, unlinked. next_at and ended_on record how the meeting's record was finished.
CREATE TABLE meetings (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id BIGINT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    created_by BIGINT NOT NULL REFERENCES staff(id),
    created_at TEXT COLLATE "C" NOT NULL,
    starts_at TEXT COLLATE "C" NOT NULL,
    place_kind TEXT COLLATE "C" NOT NULL CHECK (place_kind IN ('home', 'school', 'office', 'outdoors', 'online', 'hybrid')),
    -- An address or a description; the link of an online or hybrid meeting.
    place TEXT COLLATE "C" NOT NULL,
    status TEXT COLLATE "C" NOT NULL CHECK (status IN ('planned', 'held', 'cancelled')),
    follows BIGINT REFERENCES meetings(id) ON DELETE SET NULL,
    next_at TEXT COLLATE "C",
    ended_on TEXT COLLATE "C"
);
-- A client's meetings in time order.
CREATE INDEX meetings_by_client ON meetings (client_id, starts_at);
-- What ON DELETE SET NULL looks up when a meeting is deleted.
CREATE INDEX meetings_by_follows ON meetings (follows);

-- Someone at a meeting: the client, a worker, or another person (a parent, a teacher), who may or may
-- not use Telegram. A worker or a person in Kaari is linked by staff_id or user_key; when the worker or
-- the person is deleted the participant stays in the meeting's record, by name, unlinked.
CREATE TABLE participants (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    meeting_id BIGINT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    name TEXT COLLATE "C" NOT NULL,
    role TEXT COLLATE "C" NOT NULL CHECK (role IN ('client', 'worker', 'other')),
    relation TEXT COLLATE "C" NOT NULL,
    language TEXT COLLATE "C" NOT NULL,
    staff_id BIGINT REFERENCES staff(id) ON DELETE SET NULL,
    user_key TEXT COLLATE "C" REFERENCES users(key) ON DELETE SET NULL,
    -- 0 once a push to them failed because they blocked the bot: nobody keeps trying.
    reachable INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX participants_by_meeting ON participants (meeting_id);
-- A person's participations; also what ON DELETE SET NULL looks up when a person is forgotten.
CREATE INDEX participants_by_user ON participants (user_key);

-- "I promise to ..." by one participant, due on a day; each participant marks their own (done, or asks
-- for help, and back to open). A promise goes with its meeting and with the participant who made it.
CREATE TABLE promises (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    meeting_id BIGINT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    participant_id BIGINT NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    body TEXT COLLATE "C" NOT NULL,
    due TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    status TEXT COLLATE "C" NOT NULL CHECK (status IN ('open', 'done', 'help')),
    note TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C"
);
-- A meeting's promises by due date, and a participant's own.
CREATE INDEX promises_by_meeting ON promises (meeting_id, due);
CREATE INDEX promises_by_participant ON promises (participant_id, due);
