-- pgbench script: the same query with no index usable (baseline): "+ 0"
-- and "+ interval '0'" hide integration_id, status_class and resolved_at
-- from the planner, so it scans the table as a database without the
-- report index would.
\set site random(1, 100)
SELECT j.lead_source_category, count(*), sum(j.amount_cents)::bigint
FROM jobs j WHERE j.integration_id + 0 IN (SELECT id FROM site_integrations WHERE site_id = 'b-' || :site)
AND j.status_class + 0 = 1 AND NOT j.deleted AND j.vanished_at IS NULL
AND j.resolved_at + interval '0' >= ((now() AT TIME ZONE 'America/Chicago')::date - 29)::timestamp AT TIME ZONE 'America/Chicago'
AND j.resolved_at + interval '0' < ((now() AT TIME ZONE 'America/Chicago')::date + 1)::timestamp AT TIME ZONE 'America/Chicago'
GROUP BY 1;
