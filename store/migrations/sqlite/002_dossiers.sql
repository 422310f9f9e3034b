-- Dossiers (hồ sơ), SQLite dialect. Times are stored in UTC.
-- Applicant columns are personal data: masked in lists, emptied by the retention purge.
CREATE TABLE dossier_numbers (
  unit_code TEXT NOT NULL,
  day       TEXT NOT NULL,
  last_seq  INTEGER NOT NULL,
  PRIMARY KEY (unit_code, day)
);
CREATE TABLE dossiers (
  id                  INTEGER PRIMARY KEY,
  code                TEXT NOT NULL UNIQUE,
  unit_code           TEXT NOT NULL,
  day                 TEXT NOT NULL,
  seq                 INTEGER NOT NULL,
  ticket_id           INTEGER NOT NULL REFERENCES tickets(id),
  procedure_id        INTEGER NOT NULL REFERENCES procedures(id),
  processing_days     INTEGER NOT NULL,
  status              TEXT NOT NULL,
  received_at         TIMESTAMP NOT NULL,
  due_at              TIMESTAMP NOT NULL,
  transfer_due_at     TIMESTAMP NOT NULL,
  transferred_at      TIMESTAMP,
  finished_at         TIMESTAMP,
  returned_at         TIMESTAMP,
  applicant_name      TEXT NOT NULL,
  applicant_id_number TEXT NOT NULL,
  applicant_phone     TEXT NOT NULL,
  applicant_address   TEXT NOT NULL,
  applicant_email     TEXT NOT NULL DEFAULT '',
  purged_at           TIMESTAMP,
  documents           TEXT NOT NULL DEFAULT '[]',
  sets                INTEGER NOT NULL DEFAULT 1,
  delivery            TEXT NOT NULL DEFAULT 'counter' CHECK (delivery IN ('counter', 'post')),
  delivery_address    TEXT NOT NULL DEFAULT '',
  note                TEXT NOT NULL DEFAULT '',
  received_by         INTEGER NOT NULL REFERENCES users(id),
  counter_id          INTEGER REFERENCES counters(id),
  UNIQUE (unit_code, day, seq)
);
CREATE INDEX dossiers_status ON dossiers (status, due_at);
CREATE INDEX dossiers_received ON dossiers (received_at);
CREATE TABLE dossier_tickets (
  dossier_id INTEGER NOT NULL REFERENCES dossiers(id),
  ticket_id  INTEGER NOT NULL REFERENCES tickets(id),
  linked_at  TIMESTAMP NOT NULL,
  PRIMARY KEY (dossier_id, ticket_id)
);
CREATE INDEX dossier_tickets_ticket ON dossier_tickets (ticket_id);
CREATE TABLE dossier_steps (
  id          INTEGER PRIMARY KEY,
  dossier_id  INTEGER NOT NULL REFERENCES dossiers(id),
  type        TEXT NOT NULL,
  from_status TEXT NOT NULL DEFAULT '',
  to_status   TEXT NOT NULL,
  at          TIMESTAMP NOT NULL,
  user_id     INTEGER NOT NULL REFERENCES users(id),
  note        TEXT NOT NULL DEFAULT '',
  ticket_id   INTEGER,
  due_at      TIMESTAMP
);
CREATE INDEX dossier_steps_dossier ON dossier_steps (dossier_id, id);
CREATE TABLE dossier_apologies (
  id         INTEGER PRIMARY KEY,
  dossier_id INTEGER NOT NULL REFERENCES dossiers(id),
  issued_at  TIMESTAMP NOT NULL,
  user_id    INTEGER NOT NULL REFERENCES users(id),
  reason     TEXT NOT NULL,
  new_due_at TIMESTAMP NOT NULL
);
CREATE INDEX dossier_apologies_dossier ON dossier_apologies (dossier_id, id);
-- Views of a dossier's personal data are audited by dossier.
ALTER TABLE audit ADD COLUMN dossier_id INTEGER;
