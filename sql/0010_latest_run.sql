-- leadledger schema, migration 10: each stream's latest run, for `status`
-- and the dashboard's connection cards, costs the same however long the
-- history.  sync_state carries the latest run's status and flag, kept by a
-- trigger whatever writes sync_runs; the query used to probe sync_runs'
-- index once per stream, and after a year of runs those probes read cold
-- pages of a large index (bench section 8: 1.44x).

ALTER TABLE sync_state
    ADD COLUMN last_run             text,        -- "status" or "status: flag"
    ADD COLUMN last_run_started_at  timestamptz,
    ADD COLUMN last_run_id          bigint;

CREATE FUNCTION sync_runs_latest() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE sync_state SET last_run = NEW.status || coalesce(': ' || NEW.flag, ''),
           last_run_started_at = NEW.started_at, last_run_id = NEW.id
    WHERE integration_id = NEW.integration_id AND stream = NEW.stream
      AND (last_run_id IS NULL OR last_run_id = NEW.id
           OR (NEW.started_at, NEW.id) > (last_run_started_at, last_run_id));
    RETURN NULL;
END $$;
CREATE TRIGGER sync_runs_latest AFTER INSERT OR UPDATE OF status, flag ON sync_runs
    FOR EACH ROW EXECUTE FUNCTION sync_runs_latest();

UPDATE sync_state s SET last_run = l.status || coalesce(': ' || l.flag, ''),
       last_run_started_at = l.started_at, last_run_id = l.id
FROM (SELECT DISTINCT ON (integration_id, stream) integration_id, stream, id, started_at,
             status, flag
      FROM sync_runs ORDER BY integration_id, stream, started_at DESC, id DESC) l
WHERE s.integration_id = l.integration_id AND s.stream = l.stream;

-- Pruning's "latest of the stream" in one probe (the index of migration 1
-- ended at started_at).
DROP INDEX sync_runs_integration_idx;
CREATE INDEX sync_runs_latest_idx ON sync_runs (integration_id, stream, started_at DESC, id DESC);
