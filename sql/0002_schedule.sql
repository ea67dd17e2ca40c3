-- leadledger schema, migration 2: scheduling and leases, so several
-- leadledgerd instances can share one database.  An instance claims a due
-- integration by setting lease_owner/lease_until (FOR UPDATE SKIP LOCKED),
-- renews the lease with every committed page, and on finishing moves
-- next_run_at one interval (or its backoff) ahead.  A killed instance's
-- lease expires and another instance takes the work over.

ALTER TABLE site_integrations
    ADD COLUMN next_run_at     timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN lease_owner     text,
    ADD COLUMN lease_until     timestamptz,
    ADD COLUMN backoff_s       integer NOT NULL DEFAULT 0,
    ADD COLUMN last_run_status text,
    ADD COLUMN last_run_at     timestamptz;

-- Which instance ran a sync (its lease owner).
ALTER TABLE sync_runs ADD COLUMN runner text;

CREATE INDEX site_integrations_due_idx ON site_integrations (next_run_at)
    WHERE enabled AND NOT needs_attention;
