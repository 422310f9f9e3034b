-- Online numbers (issue 16), SQLite dialect. Times are stored in UTC.
-- A booking of a slot of a service. The citizen's ID number is never stored:
-- id_hash is its HMAC-SHA256 under the hub's booking key (enough to count a
-- person's bookings, useless without the key). The phone is kept while the
-- booking is open and erased ('') when it ends (checked in, cancelled,
-- expired). field is the service's field when booked (the per-field limit).
CREATE TABLE appointments (
  id         INTEGER PRIMARY KEY,
  code       TEXT NOT NULL UNIQUE,
  token      TEXT NOT NULL UNIQUE,
  service_id INTEGER NOT NULL REFERENCES services(id),
  day        TEXT NOT NULL,
  slot_from  TEXT NOT NULL,
  slot_to    TEXT NOT NULL,
  slot_start TIMESTAMP NOT NULL,
  field      TEXT NOT NULL DEFAULT '',
  status     TEXT NOT NULL CHECK (status IN ('booked', 'checked_in', 'cancelled', 'expired')),
  id_hash    TEXT NOT NULL,
  phone      TEXT NOT NULL DEFAULT '',
  booked_at  TIMESTAMP NOT NULL,
  ended_at   TIMESTAMP,
  ticket_id  INTEGER REFERENCES tickets(id)
);
CREATE INDEX appointments_slot ON appointments (service_id, day, slot_from, status);
CREATE INDEX appointments_person ON appointments (id_hash, day);
CREATE INDEX appointments_open ON appointments (status, slot_start);
-- A ticket given by a booking's check-in (the counter marks it).
ALTER TABLE tickets ADD COLUMN appointment BOOLEAN NOT NULL DEFAULT FALSE;
-- How many overdue bookings a counter took ahead of the line in a row.
ALTER TABLE counters ADD COLUMN booking_streak INTEGER NOT NULL DEFAULT 0;
