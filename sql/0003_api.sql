-- leadledger schema, migration 3: the HTTP API and dashboard, and views
-- for BI tools.

-- Per-site API tokens, stored only as keyed BLAKE2b digests
-- (crypto_generichash).  The key is derived from vault key `key_id`, so a
-- token keeps working until that key leaves the keyring.
CREATE TABLE api_tokens (
    id            bigserial PRIMARY KEY,
    site_id       text NOT NULL REFERENCES sites(id),
    key_id        text NOT NULL,
    digest        bytea NOT NULL,
    label         text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz
);
CREATE INDEX api_tokens_site_idx ON api_tokens (site_id) WHERE revoked_at IS NULL;

-- The interval an integration is synced at, written by registry
-- reconciliation, so freshness is judged from the database alone (by
-- `leadledger status`, the API and /metrics on any instance).
ALTER TABLE site_integrations ADD COLUMN sync_interval_s integer NOT NULL DEFAULT 7200;

-- The API's job list joins customers; customer totals sum their jobs.
CREATE INDEX jobs_customer_idx ON jobs (integration_id, customer_external_id);
CREATE INDEX jobs_resolved_idx ON jobs (integration_id, resolved_at DESC);
CREATE INDEX customers_created_idx ON customers (integration_id, remote_created_at DESC);

-- Views for BI tools (Metabase, Grafana, ...).  They count what
-- `leadledger report` counts: completed, not deleted, not vanished jobs,
-- dated in the site's time zone, money in integer cents.  Only elite sites
-- appear, as in every other report.
CREATE VIEW report_jobs AS
SELECT s.id AS site_id, i.provider, j.external_id AS job_id,
       (j.resolved_at AT TIME ZONE s.timezone)::date AS local_date,
       j.lead_source_category AS channel, j.lead_source_raw AS lead_source,
       j.amount_cents, j.customer_external_id AS customer_id
FROM jobs j
JOIN site_integrations i ON i.id = j.integration_id
JOIN sites s ON s.id = i.site_id
WHERE s.plan = 'elite' AND j.status_class = 1 AND NOT j.deleted AND j.vanished_at IS NULL;

CREATE VIEW daily_channel_revenue AS
SELECT site_id, local_date AS day, channel, count(*) AS jobs,
       sum(amount_cents)::bigint AS revenue_cents
FROM report_jobs GROUP BY site_id, local_date, channel;

CREATE VIEW monthly_channel_revenue AS
SELECT site_id, date_trunc('month', local_date)::date AS month, channel,
       count(*) AS jobs, sum(amount_cents)::bigint AS revenue_cents
FROM report_jobs GROUP BY 1, 2, 3;
