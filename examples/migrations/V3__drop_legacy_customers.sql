-- Meant to drop a staging copy (customers_legacy), but the table name is wrong:
-- this is the malformed destructive migration the gateway must hold.
DROP TABLE customers CASCADE;
