-- Reaching the debtor: outbox messages with their delivery state and evidence, every attempt
-- to deliver one, the tenant's own message texts, and the tenant's messaging settings.

-- The outbox gets its delivery state. A failed channel may fall back to the action's next
-- channel, so an action may have one message per channel. SQLite cannot change a CHECK or a
-- UNIQUE constraint in place: the table is rebuilt (nothing refers to it).
CREATE TABLE outbox_new (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    action_id INTEGER NOT NULL REFERENCES dunning_actions (id),
    channel TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'in_doubt', 'failed', 'cancelled')),
    -- Attempts started, the next one's earliest moment, and how long the running one is held.
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    claimed_until INTEGER,
    -- What went out: to whom, and the text as sent.
    recipient TEXT,
    subject TEXT,
    body TEXT,
    -- Evidence: the id the message travels under, the provider's answer, when.
    message_id TEXT,
    provider_reply TEXT,
    sent_at INTEGER,
    delivery TEXT CHECK (delivery IN ('accepted', 'delivered', 'read', 'bounced', 'undeliverable')),
    last_error TEXT,
    -- The message whose channel failed for good, when this one is its fallback.
    fallback_of INTEGER REFERENCES outbox_new (id),
    created_at INTEGER NOT NULL,
    CONSTRAINT outbox_action_channel_key UNIQUE (action_id, channel)
) STRICT;
INSERT INTO outbox_new (id, tenant_id, action_id, channel, status, created_at)
    SELECT id, tenant_id, action_id, channel, status, created_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
-- What a worker looks for: messages waiting or held by a worker that may have died.
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE status IN ('pending', 'sending');
CREATE INDEX outbox_by_action ON outbox (tenant_id, action_id);
-- Delivery reports name the provider's message id.
CREATE INDEX outbox_by_message_id ON outbox (channel, message_id) WHERE message_id IS NOT NULL;

-- Every attempt, kept as evidence: when it started and ended and what the provider said.
CREATE TABLE message_attempts (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    outbox_id INTEGER NOT NULL REFERENCES outbox (id),
    attempt INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    outcome TEXT CHECK (outcome IN ('accepted', 'retry', 'failed', 'cancelled', 'in_doubt')),
    detail TEXT,
    CONSTRAINT message_attempts_key UNIQUE (outbox_id, attempt)
) STRICT;

-- The tenant's own texts, per step, language and level; without a row, Tegoed's default.
CREATE TABLE message_templates (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    step_kind TEXT NOT NULL,
    language TEXT NOT NULL CHECK (language IN ('nl', 'en')),
    level TEXT NOT NULL CHECK (level IN ('plain', 'standard', 'formal')),
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    sms TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, step_kind, language, level)
) STRICT;

-- Who debtors can talk to and other messaging settings, as one JSON document per tenant.
CREATE TABLE tenant_messaging (
    tenant_id INTEGER PRIMARY KEY REFERENCES tenants (id),
    settings TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- Payment links in messages: a token (kept as its SHA-256) that pays what is open on some
-- invoices of a debtor at the moment it is opened, until it expires or is revoked.
CREATE TABLE payment_links (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    debtor_id INTEGER NOT NULL,
    token_sha256 TEXT NOT NULL UNIQUE,
    invoices TEXT NOT NULL,
    -- A fixed amount (an arrangement's instalment), at most what is open; none: all that is open.
    amount INTEGER CHECK (amount > 0),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER,
    FOREIGN KEY (tenant_id, debtor_id) REFERENCES debtors (tenant_id, id)
) STRICT;

-- Payments started at a payment provider (Mollie) from a link, and the ledger payment each
-- became once paid: booked once, whatever the provider's webhook repeats.
CREATE TABLE psp_payments (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    link_id INTEGER NOT NULL REFERENCES payment_links (id),
    provider TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount > 0),
    status TEXT NOT NULL,
    checkout_url TEXT,
    payment_id INTEGER REFERENCES payments (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CONSTRAINT psp_payments_provider_key UNIQUE (provider, provider_id)
) STRICT;

-- The invoice as the tenant sent it (a PDF), attached to every email about the invoice.
CREATE TABLE invoice_documents (
    tenant_id INTEGER NOT NULL,
    invoice_id INTEGER NOT NULL,
    file_name TEXT NOT NULL,
    content BLOB NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, invoice_id),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id)
) STRICT;
