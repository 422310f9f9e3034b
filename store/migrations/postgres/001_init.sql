-- Branch hub schema, PostgreSQL dialect. Times are stored in UTC.
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE services (
  id        BIGSERIAL PRIMARY KEY,
  code      TEXT NOT NULL UNIQUE,
  name      TEXT NOT NULL,
  name_en   TEXT NOT NULL DEFAULT '',
  field     TEXT NOT NULL DEFAULT '',
  prefix    TEXT NOT NULL UNIQUE,
  digits    BIGINT NOT NULL DEFAULT 3,
  daily_cap BIGINT NOT NULL DEFAULT 0,
  hours     TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE counters (
  id            BIGSERIAL PRIMARY KEY,
  number        BIGINT NOT NULL UNIQUE,
  name          TEXT NOT NULL,
  normal_streak BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE counter_services (
  counter_id BIGINT NOT NULL REFERENCES counters(id),
  service_id BIGINT NOT NULL REFERENCES services(id),
  rank       BIGINT NOT NULL,
  PRIMARY KEY (counter_id, service_id)
);
CREATE TABLE day_numbers (
  service_id BIGINT NOT NULL REFERENCES services(id),
  day        TEXT NOT NULL,
  last_seq   BIGINT NOT NULL,
  PRIMARY KEY (service_id, day)
);
CREATE TABLE tickets (
  id             BIGSERIAL PRIMARY KEY,
  day            TEXT NOT NULL,
  seq            BIGINT NOT NULL,
  number         TEXT NOT NULL,
  service_id     BIGINT NOT NULL REFERENCES services(id),
  priority       BOOLEAN NOT NULL DEFAULT FALSE,
  priority_group TEXT NOT NULL DEFAULT '',
  status         TEXT NOT NULL,
  issued_at      TIMESTAMPTZ NOT NULL,
  queued_at      TIMESTAMPTZ NOT NULL,
  token          TEXT NOT NULL UNIQUE,
  short_code     TEXT NOT NULL,
  counter_id     BIGINT REFERENCES counters(id),
  calls          BIGINT NOT NULL DEFAULT 0,
  called_at      TIMESTAMPTZ,
  started_at     TIMESTAMPTZ,
  finished_at    TIMESTAMPTZ,
  out_of_order   BOOLEAN NOT NULL DEFAULT FALSE,
  UNIQUE (day, number),
  UNIQUE (day, short_code)
);
CREATE INDEX tickets_queue ON tickets (status, service_id, priority, queued_at, id);
CREATE INDEX tickets_counter ON tickets (counter_id, status);
CREATE INDEX tickets_calls ON tickets (day, counter_id, called_at);
CREATE TABLE events (
  seq        BIGSERIAL PRIMARY KEY,
  type       TEXT NOT NULL,
  at         TIMESTAMPTZ NOT NULL,
  ticket_id  BIGINT,
  counter_id BIGINT,
  body       TEXT NOT NULL
);
CREATE TABLE users (
  id            BIGSERIAL PRIMARY KEY,
  username      TEXT NOT NULL UNIQUE,
  full_name     TEXT NOT NULL DEFAULT '',
  role          TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_at    TIMESTAMPTZ NOT NULL
);
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id    BIGINT NOT NULL REFERENCES users(id),
  created_at TIMESTAMPTZ NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE audit (
  id         BIGSERIAL PRIMARY KEY,
  at         TIMESTAMPTZ NOT NULL,
  user_id    BIGINT REFERENCES users(id),
  action     TEXT NOT NULL,
  ticket_id  BIGINT,
  counter_id BIGINT,
  reason     TEXT NOT NULL DEFAULT ''
);
CREATE TABLE procedures (
  id              BIGSERIAL PRIMARY KEY,
  code            TEXT NOT NULL UNIQUE,
  name            TEXT NOT NULL,
  field           TEXT NOT NULL DEFAULT '',
  agency          TEXT NOT NULL DEFAULT '',
  processing_days BIGINT NOT NULL,
  fee             TEXT NOT NULL DEFAULT '',
  documents       TEXT NOT NULL DEFAULT '[]',
  service_code    TEXT NOT NULL DEFAULT ''
);
CREATE TABLE calendar_days (
  date TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('off', 'work'))
);
