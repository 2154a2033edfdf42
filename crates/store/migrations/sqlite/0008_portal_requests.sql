-- What debtors ask for in the portal.
--
-- The channel a debtor prefers for messages (email, sms, whatsapp), chosen in the portal; the
-- planner puts it first when a step offers it.
ALTER TABLE debtors ADD COLUMN preferred_channel TEXT CHECK (preferred_channel IN ('email', 'sms', 'whatsapp'));

-- An arrangement a debtor proposed outside the tenant's limits: it waits for a person, who
-- approves it (it becomes an arrangement) or rejects it.
CREATE TABLE arrangement_proposals (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    debtor_id INTEGER NOT NULL,
    invoices TEXT NOT NULL,
    instalments TEXT NOT NULL,
    frequency TEXT NOT NULL CHECK (frequency IN ('weekly', 'monthly')),
    outside_limits TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    arrangement_id INTEGER,
    -- The hold that keeps the track still while a person decides.
    hold_pause_id INTEGER,
    created_at INTEGER NOT NULL,
    decided_at INTEGER,
    FOREIGN KEY (tenant_id, debtor_id) REFERENCES debtors (tenant_id, id)
) STRICT;
CREATE INDEX arrangement_proposals_pending ON arrangement_proposals (tenant_id, status, id);

-- Files a debtor sent with a dispute (a pause of kind 'dispute'), checked for type and size.
CREATE TABLE dispute_attachments (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    debtor_id INTEGER NOT NULL,
    pause_id INTEGER NOT NULL REFERENCES pauses (id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    content BLOB NOT NULL,
    sha256 TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    FOREIGN KEY (tenant_id, debtor_id) REFERENCES debtors (tenant_id, id)
) STRICT;
CREATE INDEX dispute_attachments_by_debtor ON dispute_attachments (tenant_id, debtor_id);

-- What a debtor did in the portal that is not a pause or an arrangement of its own: a reason
-- for not paying, changed preferences, a proposal sent for a decision. Shown in the timeline.
CREATE TABLE portal_events (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    debtor_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    FOREIGN KEY (tenant_id, debtor_id) REFERENCES debtors (tenant_id, id)
) STRICT;
CREATE INDEX portal_events_by_debtor ON portal_events (tenant_id, debtor_id);
