-- Fewer pages written per call (issue 13); the same indexes as SQLite's
-- migration 016. PostgreSQL's events keep their BIGSERIAL (a sequence is
-- not a page of the table).
DROP INDEX tickets_queue;
CREATE INDEX tickets_queue ON tickets (status, service_id, priority, queued_at, id) WHERE status = 'waiting';
CREATE INDEX tickets_done ON tickets (service_id, finished_at) WHERE status = 'done';
DROP INDEX tickets_counter;
CREATE INDEX tickets_counter ON tickets (counter_id, status) WHERE status IN ('called', 'serving');
