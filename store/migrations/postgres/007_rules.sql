-- Vietnamese rules, second pass (issue 17), PostgreSQL dialect.
-- A procedure's processing time in the catalogue's words ("15 ngày", "0.5 ngày",
-- "4 giờ"; empty: processing_days), its cut-off "HH:MM" (a receipt at or after
-- it counts from the next working day; empty: the close of reception) and the
-- working days it may be extended by when verification is needed.
ALTER TABLE procedures ADD COLUMN processing_time TEXT NOT NULL DEFAULT '';
ALTER TABLE procedures ADD COLUMN cutoff TEXT NOT NULL DEFAULT '';
ALTER TABLE procedures ADD COLUMN extended_days BIGINT NOT NULL DEFAULT 0;
-- A day off or working day not yet announced (next year's): counted, shown
-- as to be confirmed.
ALTER TABLE calendar_days ADD COLUMN assumed BOOLEAN NOT NULL DEFAULT FALSE;
-- The processing time the dossier was received under, as its receipt prints it.
ALTER TABLE dossiers ADD COLUMN processing_time TEXT NOT NULL DEFAULT '';
-- Who filed: cccd, can_cuoc, passport or organisation; a passport holder's
-- nationality; an organisation's enterprise/tax code and name (applicant_name
-- and applicant_id_number are then the person who submits for it).
ALTER TABLE dossiers ADD COLUMN applicant_kind TEXT NOT NULL DEFAULT 'cccd';
ALTER TABLE dossiers ADD COLUMN applicant_nationality TEXT NOT NULL DEFAULT '';
ALTER TABLE dossiers ADD COLUMN applicant_org_code TEXT NOT NULL DEFAULT '';
ALTER TABLE dossiers ADD COLUMN applicant_org_name TEXT NOT NULL DEFAULT '';
-- When an officer extended the processing time for verification (once; the
-- reason and the new due date are in the dossier's history).
ALTER TABLE dossiers ADD COLUMN extended_at TIMESTAMP;
