-- Overdue dossiers (issue 6), SQLite dialect. Times are stored in UTC.
-- An apology keeps the due date it replaced and, for a further apology, why it was needed.
ALTER TABLE dossier_apologies ADD COLUMN original_due_at TIMESTAMP;
ALTER TABLE dossier_apologies ADD COLUMN second_reason TEXT NOT NULL DEFAULT '';
-- The last alert the hub announced for a dossier ('', 'at_risk', 'overdue'), so a
-- crossing into at-risk or overdue is announced once, not at every check.
ALTER TABLE dossiers ADD COLUMN alert_state TEXT NOT NULL DEFAULT '';
-- Outbound notifications (webhook outbox): written in the same transaction as
-- the change they announce, delivered afterwards by a background worker.
CREATE TABLE webhook_outbox (
  id              INTEGER PRIMARY KEY,
  event           TEXT NOT NULL,
  dossier_id      INTEGER REFERENCES dossiers(id),
  dossier_code    TEXT NOT NULL DEFAULT '',
  payload         TEXT NOT NULL,
  state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
  created_at      TIMESTAMP NOT NULL,
  next_attempt_at TIMESTAMP,
  delivered_at    TIMESTAMP,
  attempts        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (state, next_attempt_at);
CREATE TABLE webhook_attempts (
  id          INTEGER PRIMARY KEY,
  outbox_id   INTEGER NOT NULL REFERENCES webhook_outbox(id),
  at          TIMESTAMP NOT NULL,
  status_code INTEGER NOT NULL DEFAULT 0,
  error       TEXT NOT NULL DEFAULT '',
  duration_ms INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhook_attempts_outbox ON webhook_attempts (outbox_id, id);
