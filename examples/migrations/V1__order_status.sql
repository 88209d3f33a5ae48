-- Adds an order status and backfills it from shipped_at.
ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'new';
UPDATE orders SET status = 'shipped' WHERE shipped_at IS NOT NULL;
