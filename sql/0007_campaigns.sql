-- leadledger schema, migration 7: campaigns lend their name as a lead
-- source (ServiceTitan), a second text decides the channel when the first
-- says unknown (a campaign's category), and merged customers point at the
-- customer they became.

ALTER TABLE jobs ADD COLUMN lead_source_alt text, ADD COLUMN merged_into text;
ALTER TABLE customers ADD COLUMN lead_source_alt text, ADD COLUMN merged_into text;
ALTER TABLE estimates ADD COLUMN lead_source_alt text, ADD COLUMN merged_into text;
ALTER TABLE employees ADD COLUMN lead_source_alt text, ADD COLUMN merged_into text;

-- The fifth record table (LL_ENTITY_CAMPAIGN), with the shape of the others.
CREATE TABLE campaigns (LIKE jobs INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE campaigns ADD PRIMARY KEY (integration_id, external_id),
    ADD FOREIGN KEY (integration_id) REFERENCES site_integrations(id);

-- The customers route and attribution follow merges.
CREATE INDEX customers_merged_idx ON customers (integration_id, merged_into)
    WHERE merged_into IS NOT NULL;
