-- Reports and ratings (issue 15), SQLite dialect. Times are stored in UTC.
-- The wait a service promises (minutes; 0: none), from the hall description:
-- the queue report counts the share of citizens served within it.
ALTER TABLE services ADD COLUMN target_wait_minutes INTEGER NOT NULL DEFAULT 0;
-- A citizen's rating of a visit, once per ticket. It belongs to the visit:
-- the service, counter and officer that served it (copied when rated, so a
-- later change of the ticket does not move it) and, through the ticket, the
-- dossiers received at that visit. source: 'phone' or 'tablet'.
CREATE TABLE ratings (
  id         INTEGER PRIMARY KEY,
  ticket_id  INTEGER NOT NULL UNIQUE REFERENCES tickets(id),
  day        TEXT NOT NULL,
  rated_at   TIMESTAMP NOT NULL,
  score      INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
  reasons    TEXT NOT NULL DEFAULT '[]',
  comment    TEXT NOT NULL DEFAULT '',
  service_id INTEGER NOT NULL REFERENCES services(id),
  counter_id INTEGER REFERENCES counters(id),
  staff_id   INTEGER REFERENCES users(id),
  source     TEXT NOT NULL DEFAULT 'phone'
);
CREATE INDEX ratings_day ON ratings (day);
