-- pgbench script: the report query for one random site of 100, last 30 days.
\set site random(1, 100)
SELECT j.lead_source_category, count(*), sum(j.amount_cents)::bigint
FROM jobs j WHERE j.integration_id IN (SELECT id FROM site_integrations WHERE site_id = 'b-' || :site)
AND j.status_class = 1 AND NOT j.deleted AND j.vanished_at IS NULL
AND j.resolved_at >= ((now() AT TIME ZONE 'America/Chicago')::date - 29)::timestamp AT TIME ZONE 'America/Chicago'
AND j.resolved_at < ((now() AT TIME ZONE 'America/Chicago')::date + 1)::timestamp AT TIME ZONE 'America/Chicago'
GROUP BY 1;
