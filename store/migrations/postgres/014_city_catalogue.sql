-- The city's procedure catalogue (issue 14), PostgreSQL dialect. Times are stored in UTC.
-- At a hall: where a procedure comes from. 'hall' is the hall's own (its hall
-- description, PUT /api/v1/hall); 'city' came down from the registry's
-- catalogue. A change of the hall touches only its own; a new city catalogue
-- only the city's, and never a code the hall has as its own.
ALTER TABLE procedures ADD COLUMN origin TEXT NOT NULL DEFAULT 'hall' CHECK (origin IN ('hall', 'city'));
-- At the registry: every catalogue published (newest wins; the running
-- registry puts the newest into the configuration bucket the halls read).
-- procedures is the catalogue as JSON; source says who published it.
CREATE TABLE city_catalogues (
  id           BIGSERIAL PRIMARY KEY,
  published_at TIMESTAMPTZ NOT NULL,
  source       TEXT NOT NULL,
  procedures   TEXT NOT NULL
);
-- The hall's audit records a clash too: the city's catalogue has a code the
-- hall has as its own; the hall's own is kept.
ALTER TABLE hall_audit DROP CONSTRAINT hall_audit_action_check;
ALTER TABLE hall_audit ADD CONSTRAINT hall_audit_action_check CHECK (action IN ('add', 'change', 'retire', 'clash'));
