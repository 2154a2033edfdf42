-- The ledger: tenants and their API keys, debtors, invoices, credit notes, payments, allocations,
-- and the idempotency keys of API requests. Timestamps are integer microseconds since the Unix
-- epoch (UTC); business dates are ISO yyyy-mm-dd text; money is integer euro cents.
-- Every child row carries tenant_id, and foreign keys include it, so a row can never point at
-- another tenant's row even if a query forgot to check. Where such a composite key already leads
-- to a row that references the tenant (an invoice's debtor, an allocation's payment), a separate
-- key to tenants would only repeat that check on every insert.

CREATE TABLE tenants (
    id INTEGER PRIMARY KEY,
    legal_name TEXT NOT NULL,
    kvk_number TEXT,
    vat_id TEXT,
    iban TEXT NOT NULL,
    bic TEXT,
    address TEXT,
    can_deduct_vat INTEGER NOT NULL CHECK (can_deduct_vat IN (0, 1)),
    default_payment_term_days INTEGER NOT NULL CHECK (default_payment_term_days BETWEEN 0 AND 365),
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    prefix TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    label TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT;

CREATE TABLE debtors (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    external_id TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('consumer', 'business')),
    name TEXT NOT NULL,
    contacts TEXT NOT NULL,
    address TEXT,
    language TEXT NOT NULL CHECK (language IN ('nl', 'en')),
    language_level TEXT NOT NULL CHECK (language_level IN ('plain', 'standard', 'formal')),
    digital_affinity TEXT NOT NULL CHECK (digital_affinity IN ('online', 'offline')),
    segment TEXT NOT NULL CHECK (segment IN ('loyal', 'standard', 'risk')),
    credit_limit INTEGER CHECK (credit_limit >= 0),
    kvk_number TEXT,
    vat_id TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (tenant_id, id),
    CONSTRAINT debtors_external_id_key UNIQUE (tenant_id, external_id)
) STRICT;

CREATE TABLE invoices (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    debtor_id INTEGER NOT NULL,
    number TEXT NOT NULL,
    external_id TEXT,
    issue_date TEXT NOT NULL,
    due_date TEXT NOT NULL,
    currency TEXT NOT NULL CHECK (currency = 'EUR'),
    total INTEGER NOT NULL CHECK (total > 0),
    vat INTEGER NOT NULL CHECK (vat >= 0 AND vat <= total),
    paid INTEGER NOT NULL DEFAULT 0 CHECK (paid >= 0),
    credited INTEGER NOT NULL DEFAULT 0 CHECK (credited >= 0),
    status TEXT NOT NULL CHECK (status IN ('open', 'paid', 'credited', 'written_off', 'handed_over')),
    payment_reference TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (tenant_id, id),
    CONSTRAINT invoices_number_key UNIQUE (tenant_id, number),
    FOREIGN KEY (tenant_id, debtor_id) REFERENCES debtors (tenant_id, id),
    CHECK (paid + credited <= total)
) STRICT;
-- Open invoices by due date: what overdue lists and the daily dunning run ask for. Paid and
-- credited invoices, most of a ledger, stay out of it.
CREATE INDEX invoices_open_by_due ON invoices (tenant_id, due_date) WHERE status = 'open';
CREATE INDEX invoices_by_debtor ON invoices (tenant_id, debtor_id);

CREATE TABLE credit_notes (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    debtor_id INTEGER NOT NULL,
    invoice_id INTEGER,
    number TEXT NOT NULL,
    issue_date TEXT NOT NULL,
    total INTEGER NOT NULL CHECK (total > 0),
    vat INTEGER NOT NULL CHECK (vat >= 0 AND vat <= total),
    reason TEXT,
    created_at INTEGER NOT NULL,
    CONSTRAINT credit_notes_number_key UNIQUE (tenant_id, number),
    FOREIGN KEY (tenant_id, debtor_id) REFERENCES debtors (tenant_id, id),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id)
) STRICT;

CREATE TABLE payments (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    debtor_id INTEGER,
    amount INTEGER NOT NULL CHECK (amount > 0),
    received_on TEXT NOT NULL,
    payer_name TEXT,
    payer_iban TEXT,
    description TEXT,
    bank_reference TEXT,
    unallocated INTEGER NOT NULL CHECK (unallocated >= 0 AND unallocated <= amount),
    created_at INTEGER NOT NULL,
    UNIQUE (tenant_id, id),
    CONSTRAINT payments_bank_reference_key UNIQUE (tenant_id, bank_reference),
    FOREIGN KEY (tenant_id, debtor_id) REFERENCES debtors (tenant_id, id)
) STRICT;

CREATE INDEX payments_by_debtor ON payments (tenant_id, debtor_id);
CREATE INDEX credit_notes_by_debtor ON credit_notes (tenant_id, debtor_id);
CREATE INDEX credit_notes_by_invoice ON credit_notes (tenant_id, invoice_id);

CREATE TABLE allocations (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    payment_id INTEGER NOT NULL,
    invoice_id INTEGER NOT NULL,
    amount INTEGER NOT NULL CHECK (amount > 0),
    created_at INTEGER NOT NULL,
    FOREIGN KEY (tenant_id, payment_id) REFERENCES payments (tenant_id, id),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id)
) STRICT;
CREATE INDEX allocations_by_payment ON allocations (tenant_id, payment_id);
CREATE INDEX allocations_by_invoice ON allocations (tenant_id, invoice_id);

CREATE TABLE idempotency_keys (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    key TEXT NOT NULL,
    request_fingerprint TEXT NOT NULL,
    response_status INTEGER,
    response_body TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, key)
) STRICT;
