-- Branch hub schema, SQLite dialect. Times are stored in UTC.
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE services (
  id        INTEGER PRIMARY KEY,
  code      TEXT NOT NULL UNIQUE,
  name      TEXT NOT NULL,
  name_en   TEXT NOT NULL DEFAULT '',
  field     TEXT NOT NULL DEFAULT '',
  prefix    TEXT NOT NULL UNIQUE,
  digits    INTEGER NOT NULL DEFAULT 3,
  daily_cap INTEGER NOT NULL DEFAULT 0,
  hours     TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE counters (
  id            INTEGER PRIMARY KEY,
  number        INTEGER NOT NULL UNIQUE,
  name          TEXT NOT NULL,
  normal_streak INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE counter_services (
  counter_id INTEGER NOT NULL REFERENCES counters(id),
  service_id INTEGER NOT NULL REFERENCES services(id),
  rank       INTEGER NOT NULL,
  PRIMARY KEY (counter_id, service_id)
);
CREATE TABLE day_numbers (
  service_id INTEGER NOT NULL REFERENCES services(id),
  day        TEXT NOT NULL,
  last_seq   INTEGER NOT NULL,
  PRIMARY KEY (service_id, day)
);
CREATE TABLE tickets (
  id             INTEGER PRIMARY KEY,
  day            TEXT NOT NULL,
  seq            INTEGER NOT NULL,
  number         TEXT NOT NULL,
  service_id     INTEGER NOT NULL REFERENCES services(id),
  priority       BOOLEAN NOT NULL DEFAULT FALSE,
  priority_group TEXT NOT NULL DEFAULT '',
  status         TEXT NOT NULL,
  issued_at      TIMESTAMP NOT NULL,
  queued_at      TIMESTAMP NOT NULL,
  token          TEXT NOT NULL UNIQUE,
  short_code     TEXT NOT NULL,
  counter_id     INTEGER REFERENCES counters(id),
  calls          INTEGER NOT NULL DEFAULT 0,
  called_at      TIMESTAMP,
  started_at     TIMESTAMP,
  finished_at    TIMESTAMP,
  out_of_order   BOOLEAN NOT NULL DEFAULT FALSE,
  UNIQUE (day, number),
  UNIQUE (day, short_code)
);
CREATE INDEX tickets_queue ON tickets (status, service_id, priority, queued_at, id);
CREATE INDEX tickets_counter ON tickets (counter_id, status);
CREATE INDEX tickets_calls ON tickets (day, counter_id, called_at);
CREATE TABLE events (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  type       TEXT NOT NULL,
  at         TIMESTAMP NOT NULL,
  ticket_id  INTEGER,
  counter_id INTEGER,
  body       TEXT NOT NULL
);
CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  username      TEXT NOT NULL UNIQUE,
  full_name     TEXT NOT NULL DEFAULT '',
  role          TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_at    TIMESTAMP NOT NULL
);
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users(id),
  created_at TIMESTAMP NOT NULL,
  expires_at TIMESTAMP NOT NULL
);
CREATE TABLE audit (
  id         INTEGER PRIMARY KEY,
  at         TIMESTAMP NOT NULL,
  user_id    INTEGER REFERENCES users(id),
  action     TEXT NOT NULL,
  ticket_id  INTEGER,
  counter_id INTEGER,
  reason     TEXT NOT NULL DEFAULT ''
);
CREATE TABLE procedures (
  id              INTEGER PRIMARY KEY,
  code            TEXT NOT NULL UNIQUE,
  name            TEXT NOT NULL,
  field           TEXT NOT NULL DEFAULT '',
  agency          TEXT NOT NULL DEFAULT '',
  processing_days INTEGER NOT NULL,
  fee             TEXT NOT NULL DEFAULT '',
  documents       TEXT NOT NULL DEFAULT '[]',
  service_code    TEXT NOT NULL DEFAULT ''
);
CREATE TABLE calendar_days (
  date TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('off', 'work'))
);
