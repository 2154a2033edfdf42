-- The debtor portal: access by a link in every message. The token is kept as its SHA-256; it
-- expires, and a person can revoke every link of a debtor at once.
CREATE TABLE portal_tokens (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    debtor_id INTEGER NOT NULL,
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER,
    FOREIGN KEY (tenant_id, debtor_id) REFERENCES debtors (tenant_id, id)
) STRICT;
CREATE INDEX portal_tokens_by_debtor ON portal_tokens (tenant_id, debtor_id);
