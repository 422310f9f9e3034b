-- The city's procedure catalogue (issue 14), SQLite dialect. Times are stored in UTC.
-- At a hall: where a procedure comes from. 'hall' is the hall's own (its hall
-- description, PUT /api/v1/hall); 'city' came down from the registry's
-- catalogue. A change of the hall touches only its own; a new city catalogue
-- only the city's, and never a code the hall has as its own.
ALTER TABLE procedures ADD COLUMN origin TEXT NOT NULL DEFAULT 'hall' CHECK (origin IN ('hall', 'city'));
-- At the registry: every catalogue published (newest wins; the running
-- registry puts the newest into the configuration bucket the halls read).
-- procedures is the catalogue as JSON; source says who published it.
CREATE TABLE city_catalogues (
  id           INTEGER PRIMARY KEY,
  published_at TIMESTAMP NOT NULL,
  source       TEXT NOT NULL,
  procedures   TEXT NOT NULL
);
-- The hall's audit records a clash too: the city's catalogue has a code the
-- hall has as its own; the hall's own is kept (SQLite cannot change a CHECK
-- in place: the table is rebuilt with the same columns and rows).
CREATE TABLE hall_audit_014 (
  id           INTEGER PRIMARY KEY,
  at           TIMESTAMP NOT NULL,
  user_id      INTEGER REFERENCES users(id),
  source       TEXT NOT NULL,
  seq          INTEGER NOT NULL DEFAULT 0,
  kind         TEXT NOT NULL,
  key          TEXT NOT NULL,
  action       TEXT NOT NULL CHECK (action IN ('add', 'change', 'retire', 'clash')),
  fields       TEXT NOT NULL DEFAULT '[]',
  before_value TEXT NOT NULL DEFAULT '',
  after_value  TEXT NOT NULL DEFAULT ''
);
INSERT INTO hall_audit_014 (id, at, user_id, source, seq, kind, key, action, fields, before_value, after_value)
  SELECT id, at, user_id, source, seq, kind, key, action, fields, before_value, after_value FROM hall_audit;
DROP TABLE hall_audit;
ALTER TABLE hall_audit_014 RENAME TO hall_audit;
CREATE INDEX hall_audit_kind ON hall_audit (kind, key, id);
