-- Fewer pages written per call (issue 13). A call moved the called ticket
-- and the counter's previous one through three places of tickets_queue
-- and two of tickets_counter, and bumped events' AUTOINCREMENT counter.
--
-- tickets_queue keeps only the waiting line: every query that walks it
-- asks for status = 'waiting' as a literal (a bound parameter would hide
-- the partial index from SQLite's planner). A call now deletes one entry.
DROP INDEX tickets_queue;
CREATE INDEX tickets_queue ON tickets (status, service_id, priority, queued_at, id) WHERE status = 'waiting';
-- The estimated wait reads the last finished visits of a service; it used
-- tickets_queue's 'done' part, and now has an index of its own, written
-- once when a visit finishes.
CREATE INDEX tickets_done ON tickets (service_id, finished_at) WHERE status = 'done';
-- tickets_counter keeps only the ticket each counter is calling or
-- serving (the current ticket); the queries by counter and day use
-- tickets_calls.
DROP INDEX tickets_counter;
CREATE INDEX tickets_counter ON tickets (counter_id, status) WHERE status IN ('called', 'serving');
-- The event log without AUTOINCREMENT: it wrote sqlite_sequence, one page
-- more, at every commit. Sequence numbers still only grow: SQLite gives a
-- new row the largest seq plus one, and no event is ever deleted (the
-- screens' ?since= depends on it; keep it so).
CREATE TABLE events_new (
  seq        INTEGER PRIMARY KEY,
  type       TEXT NOT NULL,
  at         TIMESTAMP NOT NULL,
  ticket_id  INTEGER,
  counter_id INTEGER,
  body       TEXT NOT NULL
);
INSERT INTO events_new (seq, type, at, ticket_id, counter_id, body)
  SELECT seq, type, at, ticket_id, counter_id, body FROM events ORDER BY seq;
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;
