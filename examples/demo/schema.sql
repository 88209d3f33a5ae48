-- The demo's sample application schema and data.
CREATE TABLE customers (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  email text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE orders (
  id bigserial PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customers(id),
  total_cents integer NOT NULL,
  shipped_at timestamptz
);
INSERT INTO customers (name, email)
SELECT 'Customer ' || g, 'customer' || g || '@example.com' FROM generate_series(1, 500) AS g;
INSERT INTO orders (customer_id, total_cents, shipped_at)
SELECT 1 + (g % 500), 100 + (g * 37) % 9000, CASE WHEN g % 3 = 0 THEN now() END FROM generate_series(1, 2000) AS g;
