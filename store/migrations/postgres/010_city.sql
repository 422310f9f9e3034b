-- The city (issue 14), PostgreSQL dialect. Times are stored in UTC.
-- These tables are used by `motcua registry` only; a hall's own events go out
-- from the event log (events), which is already written in the same
-- transaction as the change, so a hall needs no table of its own.
--
-- A branch known to the registry: its leaf-node credential (its SHA-256:
-- the password itself is shown once, at `registry branch add` or
-- `reset-password`) and the unit code its dossier codes carry, unique so that
-- two branches never make the same code even while both are offline.
CREATE TABLE city_branches (
  code          TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  unit_code     TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  created_at    TIMESTAMPTZ NOT NULL,
  revoked_at    TIMESTAMPTZ,
  last_seen     TIMESTAMPTZ
);
-- Every event a hall sent, once: (branch, seq) is the event's identity, so a
-- redelivery is a no-op.
CREATE TABLE city_events (
  branch     TEXT NOT NULL,
  seq        BIGINT NOT NULL,
  type       TEXT NOT NULL,
  at         TIMESTAMPTZ NOT NULL,
  body       TEXT NOT NULL,
  applied_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (branch, seq)
);
-- The newest state of each ticket of each branch (from "ticket" events).
CREATE TABLE city_tickets (
  branch     TEXT NOT NULL,
  ticket_id  BIGINT NOT NULL,
  seq        BIGINT NOT NULL,
  service_id BIGINT NOT NULL,
  status     TEXT NOT NULL,
  issued_at  TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (branch, ticket_id)
);
CREATE INDEX city_tickets_status ON city_tickets (branch, status, issued_at);
-- The newest waiting count of each service of each branch (from "queue"
-- events, which carry the counts of the services that changed).
CREATE TABLE city_queues (
  branch     TEXT NOT NULL,
  service_id BIGINT NOT NULL,
  seq        BIGINT NOT NULL,
  waiting    BIGINT NOT NULL,
  PRIMARY KEY (branch, service_id)
);
-- The newest public state of each dossier (from "dossier" events); codes are
-- unique city-wide (see city_branches.unit_code).
CREATE TABLE city_dossiers (
  code        TEXT PRIMARY KEY,
  branch      TEXT NOT NULL,
  seq         BIGINT NOT NULL,
  status      TEXT NOT NULL,
  received_at TIMESTAMPTZ NOT NULL,
  due_at      TIMESTAMPTZ NOT NULL,
  overdue     BOOLEAN NOT NULL DEFAULT FALSE,
  at_risk     BOOLEAN NOT NULL DEFAULT FALSE,
  body        TEXT NOT NULL
);
CREATE INDEX city_dossiers_branch ON city_dossiers (branch, status);
-- Visits at a branch linked to a dossier another branch received (from
-- "city_visit" events).
CREATE TABLE city_visits (
  branch     TEXT NOT NULL,
  seq        BIGINT NOT NULL,
  code       TEXT NOT NULL,
  ticket_id  BIGINT NOT NULL,
  number     TEXT NOT NULL,
  at         TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (branch, seq)
);
CREATE INDEX city_visits_code ON city_visits (code);
