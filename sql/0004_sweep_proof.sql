-- leadledger schema, migration 4: full sweeps delete only what they prove
-- gone, and a killed run is recorded as interrupted, not failed.
--
-- missed_sweeps counts the consecutive complete sweeps that did not list a
-- record; a record is soft-deleted when the CRM answers "not found" for it
-- by id, or when two consecutive complete sweeps missed it (sync/sweep.c).

ALTER TABLE jobs ADD COLUMN missed_sweeps smallint NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN missed_sweeps smallint NOT NULL DEFAULT 0;
ALTER TABLE estimates ADD COLUMN missed_sweeps smallint NOT NULL DEFAULT 0;
ALTER TABLE employees ADD COLUMN missed_sweeps smallint NOT NULL DEFAULT 0;

-- The CRM's record count on the first page of the full run in flight, so
-- the end of the sweep can tell whether the listing changed under it; and
-- whether the next run must sweep again (the last sweep saw the CRM
-- delete records it had already listed).
ALTER TABLE sync_state
    ADD COLUMN sweep_total_first bigint,
    ADD COLUMN sweep_again boolean NOT NULL DEFAULT false;

ALTER TABLE sync_runs DROP CONSTRAINT sync_runs_status_check;
ALTER TABLE sync_runs ADD CONSTRAINT sync_runs_status_check
    CHECK (status IN ('running', 'success', 'partial', 'failed', 'interrupted'));
UPDATE sync_runs SET status = 'interrupted'
    WHERE status = 'failed' AND error LIKE 'interrupted%';

-- What a full sweep found missing and what it did about it.
ALTER TABLE sync_runs
    ADD COLUMN sweep_unseen bigint,
    ADD COLUMN sweep_recovered bigint NOT NULL DEFAULT 0;
