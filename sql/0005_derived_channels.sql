-- leadledger schema, migration 5: derived channels stay true.
--
-- A job or estimate with no lead source of its own takes the one of the
-- record it references (source_ref, of entity source_ref_entity: the ABI's
-- enum ll_entity, 1 = customer), read from that record's stored row, and
-- is re-channeled when that record changes (store/derive.c).

ALTER TABLE jobs ADD COLUMN source_ref text, ADD COLUMN source_ref_entity smallint;
ALTER TABLE customers ADD COLUMN source_ref text, ADD COLUMN source_ref_entity smallint;
ALTER TABLE estimates ADD COLUMN source_ref text, ADD COLUMN source_ref_entity smallint;
ALTER TABLE employees ADD COLUMN source_ref text, ADD COLUMN source_ref_entity smallint;

-- Until now a dependent's reference was its customer.
UPDATE jobs SET source_ref = customer_external_id, source_ref_entity = 1
    WHERE customer_external_id IS NOT NULL AND customer_external_id <> '';
UPDATE estimates SET source_ref = customer_external_id, source_ref_entity = 1
    WHERE customer_external_id IS NOT NULL AND customer_external_id <> '';

-- Stored rows take their customer's current lead source now, not the
-- snapshot their own payload carried.
UPDATE jobs d SET lead_source_raw = c.lead_source_raw,
        lead_source_origin = CASE WHEN c.lead_source_raw IS NULL THEN NULL ELSE 'customer' END,
        lead_source_category = c.lead_source_category
    FROM customers c
    WHERE c.integration_id = d.integration_id AND c.external_id = d.source_ref
      AND d.source_ref_entity = 1 AND d.lead_source_origin IS DISTINCT FROM 'own';
UPDATE estimates d SET lead_source_raw = c.lead_source_raw,
        lead_source_origin = CASE WHEN c.lead_source_raw IS NULL THEN NULL ELSE 'customer' END,
        lead_source_category = c.lead_source_category
    FROM customers c
    WHERE c.integration_id = d.integration_id AND c.external_id = d.source_ref
      AND d.source_ref_entity = 1 AND d.lead_source_origin IS DISTINCT FROM 'own';

-- A page of customers finds its dependents by reference.
CREATE INDEX jobs_source_ref_idx ON jobs (integration_id, source_ref_entity, source_ref)
    WHERE source_ref IS NOT NULL;
CREATE INDEX estimates_source_ref_idx ON estimates (integration_id, source_ref_entity, source_ref)
    WHERE source_ref IS NOT NULL;

-- The employee list changed (their names are referral rules): stored
-- channels are re-derived before the next stream runs.  Set in the
-- transaction that stored the change, cleared in the one that re-derived.
ALTER TABLE site_integrations ADD COLUMN rechannel_pending boolean NOT NULL DEFAULT false;

-- Rows a run re-channeled because a record they derive from changed.
ALTER TABLE sync_runs ADD COLUMN rechanneled bigint NOT NULL DEFAULT 0;
