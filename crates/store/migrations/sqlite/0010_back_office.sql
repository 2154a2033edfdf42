-- The back-office: people who sign in, what they may do for which tenant, their sessions, the
-- audit log of every change and manual action, notes on a debtor's file, and worklist items a
-- person marked as dealt with.

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    -- PHC string of Argon2id (RFC 9106); never the password itself.
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    disabled_at INTEGER,
    CONSTRAINT users_email_key UNIQUE (email)
) STRICT;

-- A user may act for several tenants (a collection or credit-management service for its
-- clients), with one role in each.
CREATE TABLE memberships (
    user_id INTEGER NOT NULL REFERENCES users (id),
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    role TEXT NOT NULL CHECK (role IN ('admin', 'credit_controller', 'read_only')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, tenant_id)
) STRICT;

-- Server-side sessions, found by the SHA-256 of the cookie's secret.
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    secret_sha256 TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id),
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    form_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    ended_at INTEGER,
    CONSTRAINT sessions_secret_key UNIQUE (secret_sha256)
) STRICT;

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER,
    user_id INTEGER,
    at INTEGER NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL
) STRICT;
CREATE INDEX audit_log_by_tenant ON audit_log (tenant_id, id);

CREATE TABLE debtor_notes (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    debtor_id INTEGER NOT NULL,
    user_id INTEGER REFERENCES users (id),
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    FOREIGN KEY (tenant_id, debtor_id) REFERENCES debtors (tenant_id, id)
) STRICT;
CREATE INDEX debtor_notes_by_debtor ON debtor_notes (tenant_id, debtor_id);

-- Items that leave the worklist only when a person says so (a broken arrangement, a failed or
-- in-doubt message, an unreachable action).
CREATE TABLE worklist_done (
    tenant_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    subject_id INTEGER NOT NULL,
    user_id INTEGER REFERENCES users (id),
    done_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, kind, subject_id)
) STRICT;

-- The policy of each step taken, next to it: the report of outcomes per step reads one index
-- instead of joining every action (on a million invoices the join was half the report's time).
ALTER TABLE dunning_progress ADD COLUMN policy TEXT NOT NULL DEFAULT '';
UPDATE dunning_progress SET policy = (SELECT a.policy FROM dunning_actions a WHERE a.id = dunning_progress.action_id);
CREATE INDEX dunning_progress_by_step ON dunning_progress (tenant_id, policy, step, done_on, invoice_id);
