-- The tickets of bookings' check-ins, apart (issue 13). At every call the
-- merge policy looks for an overdue booking among the counter's waiting
-- tickets, and with a daily cap every issue counts the day's booked tickets:
-- both read every waiting (or every) ticket of the day without this. Walk-in
-- tickets never enter it, so issuing writes no page more.
CREATE INDEX tickets_booked ON tickets (day, status, queued_at, id) WHERE appointment = TRUE;
