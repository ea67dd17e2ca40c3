-- leadledger schema, migration 9: run history that does not slow anything
-- down.  /metrics reads per-stream totals instead of summing every run
-- ever; a run is folded into them in the statement that finishes it, and
-- raw runs older than run_history_days are deleted (checkpoint.c), the
-- latest of each stream always kept for `status`.

CREATE TABLE sync_run_totals (
    integration_id  bigint NOT NULL REFERENCES site_integrations(id),
    stream          text NOT NULL,
    success         bigint NOT NULL DEFAULT 0,
    partial         bigint NOT NULL DEFAULT 0,
    failed          bigint NOT NULL DEFAULT 0,
    interrupted     bigint NOT NULL DEFAULT 0,
    rows_inserted   bigint NOT NULL DEFAULT 0,
    rows_updated    bigint NOT NULL DEFAULT 0,
    api_calls       bigint NOT NULL DEFAULT 0,
    http_429        bigint NOT NULL DEFAULT 0,
    retries         bigint NOT NULL DEFAULT 0,
    rows_vanished   bigint NOT NULL DEFAULT 0,
    flagged         bigint NOT NULL DEFAULT 0,
    rechanneled     bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (integration_id, stream)
);

-- A run counts once, when it leaves 'running' (or is written finished).
CREATE FUNCTION sync_runs_fold() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sync_run_totals AS t VALUES (NEW.integration_id, NEW.stream,
        (NEW.status = 'success')::int, (NEW.status = 'partial')::int,
        (NEW.status = 'failed')::int, (NEW.status = 'interrupted')::int,
        NEW.rows_inserted, NEW.rows_updated, NEW.api_calls, NEW.http_429, NEW.retries,
        NEW.rows_vanished, (NEW.flag IS NOT NULL)::int, NEW.rechanneled)
    ON CONFLICT (integration_id, stream) DO UPDATE SET
        success = t.success + EXCLUDED.success, partial = t.partial + EXCLUDED.partial,
        failed = t.failed + EXCLUDED.failed, interrupted = t.interrupted + EXCLUDED.interrupted,
        rows_inserted = t.rows_inserted + EXCLUDED.rows_inserted,
        rows_updated = t.rows_updated + EXCLUDED.rows_updated,
        api_calls = t.api_calls + EXCLUDED.api_calls, http_429 = t.http_429 + EXCLUDED.http_429,
        retries = t.retries + EXCLUDED.retries,
        rows_vanished = t.rows_vanished + EXCLUDED.rows_vanished,
        flagged = t.flagged + EXCLUDED.flagged, rechanneled = t.rechanneled + EXCLUDED.rechanneled;
    RETURN NULL;
END $$;
CREATE TRIGGER sync_runs_finished AFTER UPDATE OF status ON sync_runs
    FOR EACH ROW WHEN (OLD.status = 'running' AND NEW.status <> 'running')
    EXECUTE FUNCTION sync_runs_fold();
CREATE TRIGGER sync_runs_inserted_finished AFTER INSERT ON sync_runs
    FOR EACH ROW WHEN (NEW.status <> 'running')
    EXECUTE FUNCTION sync_runs_fold();

-- The history so far.
INSERT INTO sync_run_totals
SELECT integration_id, stream, sum((status = 'success')::int), sum((status = 'partial')::int),
       sum((status = 'failed')::int), sum((status = 'interrupted')::int),
       sum(rows_inserted), sum(rows_updated), sum(api_calls), sum(http_429), sum(retries),
       sum(rows_vanished), sum((flag IS NOT NULL)::int), sum(rechanneled)
FROM sync_runs WHERE status <> 'running' GROUP BY integration_id, stream;

-- Pruning finds old finished runs by age.
CREATE INDEX sync_runs_finished_idx ON sync_runs (integration_id, finished_at)
    WHERE status <> 'running';
