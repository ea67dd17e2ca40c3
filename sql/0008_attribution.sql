-- leadledger schema, migration 8: marketing spend, and the indexes the
-- attribution figures of the report read (report/report.c).

-- Spend per site, channel and calendar month, in cents.  An operator's
-- entry (source 'manual') and what a CRM supplies (source 'provider', e.g.
-- ServiceTitan campaign costs) live side by side; a report adds them.
-- No foreign key to sites: the configuration names sites, and spend may
-- be entered before the first sync registers one.
CREATE TABLE spend (
    site_id       text NOT NULL CHECK (site_id ~ '^[a-z0-9-]+$'),
    channel       text NOT NULL CHECK (channel IN ('website', 'google', 'social',
                      'repeat_customer', 'ai_phone', 'referral', 'direct', 'unknown')),
    month         date NOT NULL CHECK (extract(day FROM month) = 1),
    source        text NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'provider')),
    amount_cents  bigint NOT NULL CHECK (amount_cents >= 0 AND amount_cents < 1000000000000000),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (site_id, month, channel, source)
);

-- The job an estimate belongs to (ABI 1.6): an estimate with no lead
-- source of its own or of its customer counts in its job's channel.
ALTER TABLE jobs ADD COLUMN job_external_id text;
ALTER TABLE customers ADD COLUMN job_external_id text;
ALTER TABLE estimates ADD COLUMN job_external_id text;
ALTER TABLE employees ADD COLUMN job_external_id text;
ALTER TABLE campaigns ADD COLUMN job_external_id text;

-- New or repeat and first touch read a customer's jobs (a handful each)
-- once per job of the window: migration 3's index on the customer becomes
-- one that answers from the index alone, for live jobs (the customer list
-- reads only those too).
DROP INDEX jobs_customer_idx;
CREATE INDEX jobs_customer_idx ON jobs (integration_id, customer_external_id)
    INCLUDE (status_class, resolved_at, remote_created_at, external_id,
             lead_source_category, amount_cents)
    WHERE NOT deleted AND vanished_at IS NULL;
-- Cancellations in a window.
CREATE INDEX jobs_canceled_idx ON jobs (integration_id, resolved_at)
    WHERE status_class = 2 AND NOT deleted AND vanished_at IS NULL;
-- Estimates given in a window (by creation).
CREATE INDEX estimates_created_idx ON estimates (integration_id, remote_created_at)
    WHERE NOT deleted AND vanished_at IS NULL;
