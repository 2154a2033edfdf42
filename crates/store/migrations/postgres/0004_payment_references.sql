-- Every new invoice gets a payment reference of the tenant's kind, numbered per tenant: the
-- counter holds the last number issued, and a reference once issued is never issued again.
ALTER TABLE tenants ADD COLUMN reference_kind TEXT NOT NULL DEFAULT 'kenmerk' CHECK (reference_kind IN ('kenmerk', 'rf'));
ALTER TABLE tenants ADD COLUMN references_issued BIGINT NOT NULL DEFAULT 0;
