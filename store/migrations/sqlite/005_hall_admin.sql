-- The hall, live (issue 12), SQLite dialect. Times are stored in UTC.
-- A retired service, counter, procedure or calendar day keeps its row and its
-- id, so tickets, dossiers and the audit still name it; it leaves the screens.
ALTER TABLE services ADD COLUMN retired_at TIMESTAMP;
ALTER TABLE counters ADD COLUMN retired_at TIMESTAMP;
ALTER TABLE procedures ADD COLUMN retired_at TIMESTAMP;
ALTER TABLE calendar_days ADD COLUMN retired_at TIMESTAMP;
-- Services are shown in the order the description lists them.
ALTER TABLE services ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
UPDATE services SET position = id;
-- Every change of the hall's configuration: who (a user, or the -config file
-- at start), when, what, before -> after (the entity as the description
-- writes it, JSON). seq is the "hall" event that announced the change set.
CREATE TABLE hall_audit (
  id           INTEGER PRIMARY KEY,
  at           TIMESTAMP NOT NULL,
  user_id      INTEGER REFERENCES users(id),
  source       TEXT NOT NULL,
  seq          INTEGER NOT NULL DEFAULT 0,
  kind         TEXT NOT NULL,
  key          TEXT NOT NULL,
  action       TEXT NOT NULL CHECK (action IN ('add', 'change', 'retire')),
  fields       TEXT NOT NULL DEFAULT '[]',
  before_value TEXT NOT NULL DEFAULT '',
  after_value  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX hall_audit_kind ON hall_audit (kind, key, id);
