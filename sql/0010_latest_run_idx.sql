-- leadledger schema, migration 10: `status` and the dashboard's connection
-- cards find a stream's latest run (ORDER BY started_at DESC, id DESC
-- LIMIT 1) in one index probe, however long the history.  The index of
-- migration 1 ended at started_at, so each look-up read and sorted every
-- run the stream kept (run_history_days of them).
DROP INDEX sync_runs_integration_idx;
CREATE INDEX sync_runs_latest_idx ON sync_runs (integration_id, stream, started_at DESC, id DESC);
