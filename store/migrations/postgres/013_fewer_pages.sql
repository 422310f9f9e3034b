-- Fewer pages written per ticket and per call (issue 13).
-- A new ticket has no counter yet: the two indexes on counter_id keep only
-- the tickets a counter has called, so issuing writes neither. Every query
-- that uses them asks for a counter (counter_id = ? or IS NOT NULL).
DROP INDEX tickets_counter;
CREATE INDEX tickets_counter ON tickets (counter_id, status) WHERE counter_id IS NOT NULL;
DROP INDEX tickets_calls;
CREATE INDEX tickets_calls ON tickets (day, counter_id, called_at) WHERE counter_id IS NOT NULL;
-- No query reads the moves of a ticket by officer (the reports group the
-- tickets by served_by): the index cost a page per call.
DROP INDEX ticket_events_user;
