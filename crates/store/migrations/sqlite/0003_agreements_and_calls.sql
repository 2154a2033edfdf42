-- What a credit controller agrees with a debtor and learns from them: arrangements (instalment
-- plans over chosen invoices), the amount of a promise and how it ended, calls logged against
-- call tasks, and flags on a debtor's file that change its track.

-- An instalment plan. `settled_at_start` is what had been paid or credited on its invoices when
-- it was agreed: what is paid since counts toward the instalments.
CREATE TABLE arrangements (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    debtor_id INTEGER NOT NULL,
    instalments TEXT NOT NULL,
    grace_days INTEGER NOT NULL CHECK (grace_days BETWEEN 0 AND 60),
    total INTEGER NOT NULL CHECK (total > 0),
    settled_at_start INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'completed', 'broken', 'cancelled')),
    note TEXT,
    created_at INTEGER NOT NULL,
    ended_on TEXT,
    FOREIGN KEY (tenant_id, debtor_id) REFERENCES debtors (tenant_id, id)
) STRICT;
CREATE INDEX arrangements_active_by_debtor ON arrangements (tenant_id, debtor_id) WHERE status = 'active';

CREATE TABLE arrangement_invoices (
    tenant_id INTEGER NOT NULL,
    arrangement_id INTEGER NOT NULL REFERENCES arrangements (id),
    invoice_id INTEGER NOT NULL,
    PRIMARY KEY (arrangement_id, invoice_id),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id)
) STRICT;

-- A promise's amount, what the debtor had settled when it was made, and how it ended.
ALTER TABLE pauses ADD COLUMN amount INTEGER CHECK (amount > 0);
ALTER TABLE pauses ADD COLUMN settled_at_start INTEGER;
ALTER TABLE pauses ADD COLUMN outcome TEXT CHECK (outcome IN ('kept', 'broken'));

-- Progress by debtor: the daily run reads a range of debtors' progress from this index alone,
-- instead of probing the progress table for every open invoice in the range.
ALTER TABLE dunning_progress ADD COLUMN debtor_id INTEGER NOT NULL DEFAULT 0;
UPDATE dunning_progress SET debtor_id = (SELECT i.debtor_id FROM invoices i WHERE i.tenant_id = dunning_progress.tenant_id AND i.id = dunning_progress.invoice_id);
CREATE INDEX dunning_progress_by_debtor ON dunning_progress (tenant_id, debtor_id, invoice_id, step, done_on);

-- A call task is closed by a call with a final outcome.
ALTER TABLE dunning_actions ADD COLUMN closed_at INTEGER;
CREATE INDEX dunning_actions_open_tasks ON dunning_actions (tenant_id, id) WHERE status = 'task_open' AND closed_at IS NULL;

CREATE TABLE calls (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    debtor_id INTEGER NOT NULL,
    action_id INTEGER REFERENCES dunning_actions (id),
    outcome TEXT NOT NULL CHECK (outcome IN ('reached', 'not_reached', 'promise', 'dispute', 'cant_pay', 'wont_pay', 'wrong_number')),
    note TEXT,
    called_at INTEGER NOT NULL,
    FOREIGN KEY (tenant_id, debtor_id) REFERENCES debtors (tenant_id, id)
) STRICT;
CREATE INDEX calls_by_debtor ON calls (tenant_id, debtor_id);

-- Facts on a debtor's file that change its track, until cleared.
CREATE TABLE debtor_flags (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    debtor_id INTEGER NOT NULL,
    flag TEXT NOT NULL CHECK (flag IN ('broken_promise', 'cant_pay', 'wont_pay', 'wrong_number')),
    set_on TEXT NOT NULL,
    note TEXT,
    created_at INTEGER NOT NULL,
    cleared_at INTEGER,
    FOREIGN KEY (tenant_id, debtor_id) REFERENCES debtors (tenant_id, id)
) STRICT;
CREATE UNIQUE INDEX debtor_flags_in_force ON debtor_flags (tenant_id, debtor_id, flag) WHERE cleared_at IS NULL;
