-- Staff accounts and who did what (issue 12), PostgreSQL dialect. Times are stored in UTC.
-- counter_ids: the counters a staff member may work at, a JSON array of counter ids ('[]': any).
ALTER TABLE users ADD COLUMN counter_ids TEXT NOT NULL DEFAULT '[]';
ALTER TABLE users ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN last_login_at TIMESTAMPTZ;
-- Ending a user's sessions at once finds them by user.
CREATE INDEX sessions_user ON sessions (user_id);
-- The officer who last called the visit, and the officer at the counter that
-- called or served it (reports group by served_by). A transfer or a
-- reactivation clears both: the ticket waits again.
ALTER TABLE tickets ADD COLUMN called_by BIGINT REFERENCES users(id);
ALTER TABLE tickets ADD COLUMN served_by BIGINT REFERENCES users(id);
-- Every move of a ticket after its issue, with who made it (user_id is NULL
-- for the hub's own moves: the day roll-over, a reactivation at the kiosk).
-- action: call, manual_call, recall, start, finish, no_show, transfer, cancel, reactivate.
CREATE TABLE ticket_events (
  id            BIGSERIAL PRIMARY KEY,
  ticket_id     BIGINT NOT NULL REFERENCES tickets(id),
  at            TIMESTAMPTZ NOT NULL,
  action        TEXT NOT NULL,
  from_status   TEXT NOT NULL,
  to_status     TEXT NOT NULL,
  service_id    BIGINT NOT NULL REFERENCES services(id),
  to_service_id BIGINT REFERENCES services(id),
  counter_id    BIGINT REFERENCES counters(id),
  user_id       BIGINT REFERENCES users(id)
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);
CREATE INDEX ticket_events_user ON ticket_events (user_id, at);
CREATE INDEX ticket_events_at ON ticket_events (at);
