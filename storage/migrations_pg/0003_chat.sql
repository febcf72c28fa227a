-- PostgreSQL twin of storage/migrations/0003_chat.sql (same tables, columns and indexes; the why is there too).
-- The anonymous chat on shifts (#4). A chat is linked to the young person (users.key, a keyed hash) only
-- while it is active: the link is cleared when it closes, and the texts are deleted after the retention
-- time, so what stays (counts, times, ratings) is not about anyone. Columns are named to avoid SQL
-- keywords (LEFT, ON, END).

-- One opening of a chat service as it happened; one row per service and start, however often the
-- ticker and the flows look it up.
CREATE TABLE shifts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    service TEXT COLLATE "C" NOT NULL,
    starts_at TEXT COLLATE "C" NOT NULL,
    ends_at TEXT COLLATE "C" NOT NULL,
    started INTEGER NOT NULL DEFAULT 0,
    ended INTEGER NOT NULL DEFAULT 0,
    UNIQUE (service, starts_at)
);
-- The ticker looks at the shifts that have not ended, every round.
CREATE INDEX shifts_unfinished ON shifts (ended, starts_at);

-- Which workers are on duty in a shift: from the rota when it starts, or changed by hand. A worker who
-- went off duty keeps a row (on_duty = 0), so the rota does not put them back.
CREATE TABLE duty (
    shift_id BIGINT NOT NULL REFERENCES shifts(id) ON DELETE CASCADE,
    staff_id BIGINT NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
    on_duty INTEGER NOT NULL,
    changed_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (shift_id, staff_id)
);

-- A chat, or a message left out of hours for the next shift (left_message = 1). Status and sender are
-- checked (the flows turn on them); closed_by and a message's kind are not, so a new closer or a new kind
-- of media needs no table rebuild.
CREATE TABLE chats (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    service TEXT COLLATE "C" NOT NULL,
    opened_at TEXT COLLATE "C" NOT NULL,
    user_key TEXT COLLATE "C" REFERENCES users(key) ON DELETE SET NULL,
    status TEXT COLLATE "C" NOT NULL CHECK (status IN ('queued', 'open', 'closed')),
    crisis INTEGER NOT NULL DEFAULT 0,
    left_message INTEGER NOT NULL DEFAULT 0,
    staff_id BIGINT REFERENCES staff(id) ON DELETE SET NULL,
    shift_id BIGINT REFERENCES shifts(id) ON DELETE SET NULL,
    taken_at TEXT COLLATE "C",
    closed_at TEXT COLLATE "C",
    closed_by TEXT COLLATE "C",
    rating INTEGER CHECK (rating IN (1, 2, 3, 4, 5)),
    -- Free text from the young person: deleted with the messages after the retention time.
    comment TEXT COLLATE "C"
);
-- The queue of a service (and the retention pass over closed chats, by status).
CREATE INDEX chats_by_status ON chats (status, service, crisis, opened_at);
-- A person's active chat; also what ON DELETE SET NULL looks up when a person is forgotten.
CREATE INDEX chats_by_user ON chats (user_key);
-- A worker's open chats.
CREATE INDEX chats_by_staff ON chats (staff_id, status);
-- Statistics over a period.
CREATE INDEX chats_by_opened ON chats (opened_at);

-- The texts of a chat (or the channel's file reference of a picture or sticker); deleted after the
-- retention time, and with their chat.
CREATE TABLE chat_messages (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    chat_id BIGINT NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
    at TEXT COLLATE "C" NOT NULL,
    sender TEXT COLLATE "C" NOT NULL CHECK (sender IN ('young', 'staff')),
    kind TEXT COLLATE "C" NOT NULL,
    body TEXT COLLATE "C" NOT NULL,
    staff_id BIGINT REFERENCES staff(id) ON DELETE SET NULL
);
CREATE INDEX chat_messages_by_chat ON chat_messages (chat_id, at);

-- The rota: a worker on a slot of a service, "fri 12:00" (every Friday) or "2026-12-30 10:00" (one day).
CREATE TABLE rota (
    service TEXT COLLATE "C" NOT NULL,
    slot TEXT COLLATE "C" NOT NULL,
    staff_id BIGINT NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
    PRIMARY KEY (service, slot, staff_id)
);

-- Changes to a service's schedule made in Telegram: a closed day, or an extra slot on a day. The day is
-- an ISO date and the times "HH:MM" in Helsinki wall-clock time, as the schedule file writes them (not
-- UTC instants: a slot keeps its clock time across the daylight-saving change).
CREATE TABLE closings (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    service TEXT COLLATE "C" NOT NULL,
    day TEXT COLLATE "C" NOT NULL,
    closed INTEGER NOT NULL,
    start_time TEXT COLLATE "C",
    end_time TEXT COLLATE "C"
);
CREATE INDEX closings_by_service ON closings (service, day);
