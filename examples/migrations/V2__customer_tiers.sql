-- A new lookup table, created and indexed in the same migration.
CREATE TABLE customer_tiers (
  customer_id bigint PRIMARY KEY REFERENCES customers(id),
  tier text NOT NULL
);
CREATE INDEX customer_tiers_tier_idx ON customer_tiers (tier);
INSERT INTO customer_tiers (customer_id, tier)
SELECT id, CASE WHEN id % 10 = 0 THEN 'gold' ELSE 'standard' END FROM customers;
