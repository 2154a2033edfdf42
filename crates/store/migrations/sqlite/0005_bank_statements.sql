-- Bank statements and their entries. Every entry is kept once per account, under the bank's own
-- reference or, when the bank gives none, a hash of its content and its place among identical
-- entries of the same file: the same statement imported twice, or two overlapping statements,
-- book each entry once.
CREATE TABLE bank_statements (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    file_name TEXT NOT NULL,
    format TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    entries INTEGER NOT NULL,
    new_entries INTEGER NOT NULL,
    known_entries INTEGER NOT NULL,
    not_booked INTEGER NOT NULL,
    allocated INTEGER NOT NULL,
    queued INTEGER NOT NULL,
    returned INTEGER NOT NULL,
    imported_at INTEGER NOT NULL,
    UNIQUE (tenant_id, id)
) STRICT;

CREATE TABLE bank_entries (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    statement_id INTEGER NOT NULL,
    account TEXT NOT NULL,
    entry_key TEXT NOT NULL,
    line INTEGER NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('credit', 'debit')),
    amount INTEGER NOT NULL CHECK (amount >= 0),
    currency TEXT NOT NULL,
    booked_on TEXT NOT NULL,
    value_on TEXT,
    counterparty_name TEXT,
    counterparty_account TEXT,
    structured_reference TEXT,
    remittance TEXT,
    end_to_end_id TEXT,
    bank_reference TEXT,
    bank_code TEXT,
    return_reason TEXT,
    status TEXT NOT NULL CHECK (status IN ('allocated', 'needs_match', 'matched_by_hand', 'returned', 'other', 'dismissed', 'foreign_currency')),
    score INTEGER NOT NULL,
    reasons TEXT NOT NULL,
    suggestions TEXT NOT NULL,
    payment_id INTEGER,
    created_at INTEGER NOT NULL,
    resolved_at INTEGER,
    UNIQUE (tenant_id, id),
    CONSTRAINT bank_entries_key UNIQUE (tenant_id, account, entry_key),
    FOREIGN KEY (tenant_id, statement_id) REFERENCES bank_statements (tenant_id, id),
    FOREIGN KEY (tenant_id, payment_id) REFERENCES payments (tenant_id, id)
) STRICT;
CREATE INDEX bank_entries_by_status ON bank_entries (tenant_id, status, id);

-- What matching looks up: an invoice by its payment reference or its number in any case, the
-- debtor behind an account that paid before, and open invoices by what they still need.
CREATE INDEX invoices_by_reference ON invoices (tenant_id, payment_reference);
CREATE INDEX invoices_by_lower_number ON invoices (tenant_id, lower(number));
CREATE INDEX payments_by_payer_iban ON payments (tenant_id, payer_iban);
-- A payment no key matches is compared with the open invoices that still need its amount.
CREATE INDEX invoices_open_by_outstanding ON invoices (tenant_id, (total - paid - credited)) WHERE status NOT IN ('paid', 'credited');

-- A payment that came back (a returned transfer or direct debit, a refund) reopens what it paid:
-- its allocations are kept, marked reversed.
ALTER TABLE payments ADD COLUMN end_to_end_id TEXT;
ALTER TABLE payments ADD COLUMN returned_on TEXT;
ALTER TABLE payments ADD COLUMN return_reason TEXT;
ALTER TABLE allocations ADD COLUMN reversed_at INTEGER;
