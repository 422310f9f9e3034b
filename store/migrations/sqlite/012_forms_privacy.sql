-- Forms and personal data (issue 17, part B), SQLite dialect. Times are stored in UTC.
-- A refusal after processing is the competent agency's own letter: its number and date.
ALTER TABLE dossier_steps ADD COLUMN letter_number TEXT NOT NULL DEFAULT '';
ALTER TABLE dossier_steps ADD COLUMN letter_date TEXT NOT NULL DEFAULT '';
-- Mẫu 01: each document received, original or copy, and how many (JSON list).
ALTER TABLE dossiers ADD COLUMN document_details TEXT NOT NULL DEFAULT '[]';
-- Mẫu 06: each hand-over of a dossier, between two units (never a person's
-- name on public pages), against the deadline of its step.
CREATE TABLE dossier_handovers (
  id         INTEGER PRIMARY KEY,
  dossier_id INTEGER NOT NULL REFERENCES dossiers(id),
  at         TIMESTAMP NOT NULL,
  from_party TEXT NOT NULL,
  to_party   TEXT NOT NULL,
  due_at     TIMESTAMP NOT NULL,
  user_id    INTEGER NOT NULL REFERENCES users(id),
  note       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX dossier_handovers_dossier ON dossier_handovers (dossier_id, id);
-- A citizen's request about their personal data (Law 91/2025/QH15): to see,
-- correct or delete it, with its deadline and the answer.
CREATE TABLE privacy_requests (
  id           INTEGER PRIMARY KEY,
  kind         TEXT NOT NULL CHECK (kind IN ('access', 'correct', 'delete')),
  received_at  TIMESTAMP NOT NULL,
  due_at       TIMESTAMP NOT NULL,
  requester    TEXT NOT NULL,
  contact      TEXT NOT NULL DEFAULT '',
  dossier_code TEXT NOT NULL DEFAULT '',
  detail       TEXT NOT NULL DEFAULT '',
  recorded_by  INTEGER NOT NULL REFERENCES users(id),
  answered_at  TIMESTAMP,
  answered_by  INTEGER REFERENCES users(id),
  outcome      TEXT NOT NULL DEFAULT '',
  answer       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX privacy_requests_open ON privacy_requests (answered_at, due_at);
