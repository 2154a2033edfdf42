-- The dunning engine: tenants' own policies and which segment follows which, progress per
-- invoice, the actions of the daily run (stored exactly once), their outbox messages, and the
-- pauses that take invoices off the track.

CREATE TABLE dunning_policies (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    name TEXT NOT NULL,
    steps TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CONSTRAINT dunning_policies_name_key UNIQUE (tenant_id, name)
) STRICT;

-- Which policy a kind of debtor in a segment follows; without a row, Tegoed's default.
CREATE TABLE dunning_assignments (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    kind TEXT NOT NULL CHECK (kind IN ('consumer', 'business')),
    segment TEXT NOT NULL CHECK (segment IN ('loyal', 'standard', 'risk')),
    policy_name TEXT NOT NULL,
    PRIMARY KEY (tenant_id, kind, segment)
) STRICT;

-- Open invoices by debtor: what the daily run reads, without touching the paid majority.
CREATE INDEX invoices_open_by_debtor ON invoices (tenant_id, debtor_id, id) WHERE status = 'open';

-- A policy chosen for one debtor or one invoice, over the assignment.
ALTER TABLE debtors ADD COLUMN policy_name TEXT;
ALTER TABLE invoices ADD COLUMN policy_name TEXT;

CREATE TABLE dunning_actions (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    debtor_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    run_date TEXT NOT NULL,
    policy TEXT NOT NULL,
    step INTEGER NOT NULL,
    kind TEXT NOT NULL,
    due_on TEXT NOT NULL,
    channels TEXT NOT NULL,
    invoices TEXT NOT NULL,
    amount INTEGER NOT NULL,
    template TEXT NOT NULL,
    needs_approval INTEGER NOT NULL,
    adds_collection_costs INTEGER NOT NULL,
    starts_interest INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'awaiting_approval', 'task_open', 'unreachable')),
    created_at INTEGER NOT NULL,
    FOREIGN KEY (tenant_id, debtor_id) REFERENCES debtors (tenant_id, id),
    -- Exactly once: the same planned action twice is refused, and so is a second step for a
    -- debtor on the same run date.
    CONSTRAINT dunning_actions_key_key UNIQUE (tenant_id, key),
    CONSTRAINT dunning_actions_day_key UNIQUE (tenant_id, debtor_id, run_date)
) STRICT;

CREATE TABLE dunning_progress (
    tenant_id INTEGER NOT NULL,
    invoice_id INTEGER NOT NULL,
    step INTEGER NOT NULL,
    done_on TEXT NOT NULL,
    action_id INTEGER NOT NULL REFERENCES dunning_actions (id),
    PRIMARY KEY (tenant_id, invoice_id, step),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id)
) STRICT;

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    action_id INTEGER NOT NULL UNIQUE REFERENCES dunning_actions (id),
    channel TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE pauses (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    debtor_id INTEGER NOT NULL,
    invoice_id INTEGER,
    kind TEXT NOT NULL CHECK (kind IN ('dispute', 'arrangement', 'promise', 'hold', 'debt_help')),
    until TEXT,
    reason TEXT,
    created_at INTEGER NOT NULL,
    ended_at INTEGER,
    FOREIGN KEY (tenant_id, debtor_id) REFERENCES debtors (tenant_id, id),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id)
) STRICT;
CREATE INDEX pauses_by_debtor ON pauses (tenant_id, debtor_id) WHERE ended_at IS NULL;
