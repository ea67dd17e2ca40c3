-- leadledger schema, migration 1: registry, synced records, sync state.

CREATE TABLE sites (
    id          text PRIMARY KEY CHECK (id ~ '^[a-z0-9-]+$'),
    name        text NOT NULL,
    plan        text NOT NULL,
    timezone    text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per (site, provider).  credentials holds vault ciphertexts only
-- (field -> "v1:<keyid>:..."); config_credentials is what the file last
-- said, so a rotated token stored by the provider survives a reload.
CREATE TABLE site_integrations (
    id                  bigserial PRIMARY KEY,
    site_id             text NOT NULL REFERENCES sites(id),
    provider            text NOT NULL,
    credentials         jsonb NOT NULL DEFAULT '{}',
    config_credentials  jsonb NOT NULL DEFAULT '{}',
    settings            jsonb NOT NULL DEFAULT '{}',
    enabled             boolean NOT NULL DEFAULT true,
    needs_attention     boolean NOT NULL DEFAULT false,
    attention_reason    text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (site_id, provider)
);

-- The four record tables share one shape.  status_class: 0 open,
-- 1 completed, 2 canceled.  deleted: the CRM says so (deleted_at);
-- vanished_at: a full sweep no longer listed it.
CREATE TABLE jobs (
    integration_id        bigint NOT NULL REFERENCES site_integrations(id),
    external_id           text NOT NULL,
    status_raw            text,
    status_class          smallint NOT NULL DEFAULT 0,
    amount_cents          bigint NOT NULL DEFAULT 0,
    resolved_at           timestamptz,
    remote_created_at     timestamptz,
    remote_updated_at     timestamptz,
    customer_external_id  text,
    lead_source_raw       text,
    lead_source_origin    text,      -- 'own', 'customer' or NULL
    lead_source_category  text NOT NULL DEFAULT 'unknown',
    first_name            text,
    last_name             text,
    deleted               boolean NOT NULL DEFAULT false,
    deleted_at            timestamptz,
    vanished_at           timestamptz,
    last_seen_sweep       bigint,
    raw                   jsonb NOT NULL,
    synced_at             timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (integration_id, external_id)
);
CREATE TABLE customers (LIKE jobs INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE customers ADD PRIMARY KEY (integration_id, external_id),
    ADD FOREIGN KEY (integration_id) REFERENCES site_integrations(id);
CREATE TABLE estimates (LIKE jobs INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE estimates ADD PRIMARY KEY (integration_id, external_id),
    ADD FOREIGN KEY (integration_id) REFERENCES site_integrations(id);
CREATE TABLE employees (LIKE jobs INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE employees ADD PRIMARY KEY (integration_id, external_id),
    ADD FOREIGN KEY (integration_id) REFERENCES site_integrations(id);

-- The report is a GROUP BY over completed, live jobs in a time window:
-- a partial covering index answers it from the index alone.
CREATE INDEX jobs_report_idx ON jobs (integration_id, resolved_at)
    INCLUDE (lead_source_category, amount_cents)
    WHERE status_class = 1 AND NOT deleted AND vanished_at IS NULL;
CREATE INDEX jobs_lead_source_idx ON jobs (integration_id, lead_source_raw);
CREATE INDEX customers_lead_source_idx ON customers (integration_id, lead_source_raw);
CREATE INDEX jobs_sweep_idx ON jobs (integration_id, last_seen_sweep);
CREATE INDEX customers_sweep_idx ON customers (integration_id, last_seen_sweep);
CREATE INDEX estimates_sweep_idx ON estimates (integration_id, last_seen_sweep);

CREATE SEQUENCE sweep_ids;

-- Per stream: the checkpoint of the run in flight (run_mode, cursor,
-- run_started_at, newest_seen, sweep_id) and what the last finished run
-- left (watermark, resume_cursor, last_full_sweep_at).
CREATE TABLE sync_state (
    integration_id      bigint NOT NULL REFERENCES site_integrations(id),
    stream              text NOT NULL,
    run_mode            text CHECK (run_mode IN ('full', 'incremental')),
    cursor              text NOT NULL DEFAULT '',
    run_started_at      timestamptz,
    newest_seen         timestamptz,
    sweep_id            bigint,
    run_id              bigint,
    watermark           timestamptz,
    resume_cursor       text NOT NULL DEFAULT '',
    last_full_sweep_at  timestamptz,
    last_success_at     timestamptz,
    last_error          text,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (integration_id, stream)
);

CREATE TABLE sync_runs (
    id                bigserial PRIMARY KEY,
    integration_id    bigint NOT NULL REFERENCES site_integrations(id),
    stream            text NOT NULL,
    mode              text NOT NULL,
    status            text NOT NULL DEFAULT 'running'
                      CHECK (status IN ('running', 'success', 'partial', 'failed')),
    started_at        timestamptz NOT NULL DEFAULT now(),
    finished_at       timestamptz,
    pages             integer NOT NULL DEFAULT 0,
    records_fetched   bigint NOT NULL DEFAULT 0,
    rows_inserted     bigint NOT NULL DEFAULT 0,
    rows_updated      bigint NOT NULL DEFAULT 0,
    rows_vanished     bigint NOT NULL DEFAULT 0,
    api_calls         bigint NOT NULL DEFAULT 0,
    http_429          bigint NOT NULL DEFAULT 0,
    retries           bigint NOT NULL DEFAULT 0,
    remote_total      bigint,
    first_cursor      text,
    watermark_before  timestamptz,
    watermark_after   timestamptz,
    flag              text,
    error             text
);
CREATE INDEX sync_runs_integration_idx ON sync_runs (integration_id, stream, started_at DESC);
