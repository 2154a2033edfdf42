//! The back-office's people: users, what they may do for which tenant, their sessions, the
//! audit log, and the notes they write in debtors' files.

use jiff::Timestamp;

use domain::access::Role;
use domain::ids::{DebtorId, TenantId, UserId};

use crate::conn::{Tx, dispatch};
use crate::time::Stamp;
use crate::{Page, Result, corrupt};

/// A stored user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// Identifier.
    pub id: UserId,
    /// Sign-in name, in lower case.
    pub email: String,
    /// The name shown to colleagues.
    pub name: String,
    /// The Argon2id PHC string.
    pub password_hash: String,
    /// When the user was switched off; a switched-off user cannot sign in.
    pub disabled_at: Option<Timestamp>,
}

/// A tenant a user may act for, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    /// The tenant.
    pub tenant_id: TenantId,
    /// Its legal name.
    pub tenant_name: String,
    /// The user's role there.
    pub role: Role,
}

/// A session found by its cookie, with who it is and for which tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// Identifier.
    pub id: i64,
    /// The user.
    pub user_id: UserId,
    /// The user's name.
    pub user_name: String,
    /// The tenant the user works for now.
    pub tenant_id: TenantId,
    /// The tenant's legal name.
    pub tenant_name: String,
    /// The user's role for that tenant; none when the membership was taken away since.
    pub role: Option<Role>,
    /// The token every form of this session carries.
    pub form_token: String,
    /// When the user signed in.
    pub created_at: Timestamp,
    /// When it was last used.
    pub last_seen_at: Timestamp,
    /// When it stops working.
    pub expires_at: Timestamp,
    /// When the user signed out.
    pub ended_at: Option<Timestamp>,
    /// When the user was switched off.
    pub user_disabled_at: Option<Timestamp>,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Identifier, in order of writing.
    pub id: i64,
    /// When.
    pub at: Timestamp,
    /// Who, when a user did it (none: the system, or a failed sign-in).
    pub user: Option<(UserId, String)>,
    /// What: `sign_in`, `call_logged`, `note_added`, …
    pub action: String,
    /// What it was done to: `debtor 12`, `pause 7`, …
    pub subject: String,
    /// The particulars.
    pub detail: String,
}

impl Tx {
    /// Stores a user; `Conflict { field: "email" }` when the address is taken.
    pub async fn create_user(&mut self, email: &str, name: &str, password_hash: &str) -> Result<UserId> {
        let id: i64 = dispatch!(self, c => sqlx::query_scalar(
            "INSERT INTO users (email, name, password_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(email.to_string()).bind(name.trim().to_string()).bind(password_hash.to_string()).bind(Stamp::now())
            .fetch_one(c).await?);
        Ok(UserId(id))
    }

    /// A user by sign-in name (lower case).
    pub async fn user_by_email(&mut self, email: &str) -> Result<Option<UserRecord>> {
        let row: Option<(i64, String, String, String, Option<Stamp>)> = dispatch!(self, c => sqlx::query_as(
            "SELECT id, email, name, password_hash, disabled_at FROM users WHERE email = $1")
            .bind(email.to_string()).fetch_optional(c).await?);
        Ok(row.map(|(id, email, name, password_hash, disabled)| UserRecord {
            id: UserId(id),
            email,
            name,
            password_hash,
            disabled_at: disabled.map(|s| s.0),
        }))
    }

    /// Replaces a user's password hash.
    pub async fn set_password_hash(&mut self, user: UserId, password_hash: &str) -> Result<bool> {
        let n = dispatch!(self, c => sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
            .bind(user.0).bind(password_hash.to_string()).execute(c).await?.rows_affected());
        Ok(n == 1)
    }

    /// Gives a user a role for a tenant, or changes it.
    pub async fn set_membership(&mut self, user: UserId, tenant: TenantId, role: Role) -> Result<()> {
        dispatch!(self, c => sqlx::query(
            "INSERT INTO memberships (user_id, tenant_id, role, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id, tenant_id) DO UPDATE SET role = excluded.role")
            .bind(user.0).bind(tenant.0).bind(role.as_str()).bind(Stamp::now()).execute(c).await?.rows_affected());
        Ok(())
    }

    /// The tenants a user may act for, by name.
    pub async fn memberships(&mut self, user: UserId) -> Result<Vec<Membership>> {
        let rows: Vec<(i64, String, String)> = dispatch!(self, c => sqlx::query_as(
            "SELECT m.tenant_id, t.legal_name, m.role FROM memberships m JOIN tenants t ON t.id = m.tenant_id \
             WHERE m.user_id = $1 ORDER BY t.legal_name, m.tenant_id")
            .bind(user.0).fetch_all(c).await?);
        rows.into_iter()
            .map(|(t, name, role)| {
                Ok(Membership { tenant_id: TenantId(t), tenant_name: name, role: Role::parse(&role).map_err(|e| corrupt("role", e))? })
            })
            .collect()
    }

    /// Starts a session for a user and tenant, found later by the SHA-256 of its secret.
    pub async fn create_session(
        &mut self,
        secret_sha256: &str,
        user: UserId,
        tenant: TenantId,
        form_token: &str,
        expires_at: Timestamp,
    ) -> Result<i64> {
        let now = Stamp::now();
        let id: i64 = dispatch!(self, c => sqlx::query_scalar(
            "INSERT INTO sessions (secret_sha256, user_id, tenant_id, form_token, created_at, last_seen_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $5, $6) RETURNING id")
            .bind(secret_sha256.to_string()).bind(user.0).bind(tenant.0).bind(form_token.to_string()).bind(now).bind(Stamp(expires_at))
            .fetch_one(c).await?);
        Ok(id)
    }

    /// The session whose secret has this SHA-256, whatever its state (the caller judges it).
    pub async fn session(&mut self, secret_sha256: &str) -> Result<Option<SessionRecord>> {
        type Row = (i64, i64, String, i64, String, Option<String>, String, Stamp, Stamp, Stamp, Option<Stamp>, Option<Stamp>);
        let row: Option<Row> = dispatch!(self, c => sqlx::query_as(
            "SELECT s.id, s.user_id, u.name, s.tenant_id, t.legal_name, m.role, s.form_token, s.created_at, s.last_seen_at, s.expires_at, s.ended_at, u.disabled_at \
             FROM sessions s JOIN users u ON u.id = s.user_id JOIN tenants t ON t.id = s.tenant_id \
             LEFT JOIN memberships m ON m.user_id = s.user_id AND m.tenant_id = s.tenant_id WHERE s.secret_sha256 = $1")
            .bind(secret_sha256.to_string()).fetch_optional(c).await?);
        row.map(|(id, user, user_name, tenant, tenant_name, role, form_token, created, seen, expires, ended, disabled)| {
            Ok(SessionRecord {
                id,
                user_id: UserId(user),
                user_name,
                tenant_id: TenantId(tenant),
                tenant_name,
                role: role.as_deref().map(Role::parse).transpose().map_err(|e| corrupt("role", e))?,
                form_token,
                created_at: created.0,
                last_seen_at: seen.0,
                expires_at: expires.0,
                ended_at: ended.map(|s| s.0),
                user_disabled_at: disabled.map(|s| s.0),
            })
        })
        .transpose()
    }

    /// Records that a session was used, and moves its end (idle timeout).
    pub async fn touch_session(&mut self, id: i64, expires_at: Timestamp) -> Result<()> {
        dispatch!(self, c => sqlx::query("UPDATE sessions SET last_seen_at = $2, expires_at = $3 WHERE id = $1")
            .bind(id).bind(Stamp::now()).bind(Stamp(expires_at)).execute(c).await?.rows_affected());
        Ok(())
    }

    /// Moves a session to another tenant of its user; false when the user has no role there.
    pub async fn switch_session_tenant(&mut self, id: i64, tenant: TenantId) -> Result<bool> {
        let n = dispatch!(self, c => sqlx::query(
            "UPDATE sessions SET tenant_id = $2 WHERE id = $1 AND ended_at IS NULL \
             AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = sessions.user_id AND m.tenant_id = $2)")
            .bind(id).bind(tenant.0).execute(c).await?.rows_affected());
        Ok(n == 1)
    }

    /// Ends every session of a user but one (after a password change); how many.
    pub async fn end_other_sessions(&mut self, user: UserId, keep: i64) -> Result<u64> {
        let n = dispatch!(self, c => sqlx::query("UPDATE sessions SET ended_at = $3 WHERE user_id = $1 AND id <> $2 AND ended_at IS NULL")
            .bind(user.0).bind(keep).bind(Stamp::now()).execute(c).await?.rows_affected());
        Ok(n)
    }

    /// A user's password hash.
    pub async fn password_hash(&mut self, user: UserId) -> Result<Option<String>> {
        let h: Option<String> = dispatch!(self, c => sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(user.0).fetch_optional(c).await?);
        Ok(h)
    }

    /// Ends a session (signing out).
    pub async fn end_session(&mut self, id: i64) -> Result<bool> {
        let n = dispatch!(self, c => sqlx::query("UPDATE sessions SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL")
            .bind(id).bind(Stamp::now()).execute(c).await?.rows_affected());
        Ok(n == 1)
    }

    /// Writes a line in the audit log, in the caller's unit of work: the change and its line
    /// are stored together or not at all.
    pub async fn audit(&mut self, tenant: Option<TenantId>, user: Option<UserId>, action: &str, subject: &str, detail: &str) -> Result<()> {
        dispatch!(self, c => sqlx::query(
            "INSERT INTO audit_log (tenant_id, user_id, at, action, subject, detail) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(tenant.map(|t| t.0)).bind(user.map(|u| u.0)).bind(Stamp::now()).bind(action.to_string())
            .bind(subject.to_string()).bind(detail.to_string()).execute(c).await?.rows_affected());
        Ok(())
    }

    /// A tenant's audit log, newest first; `page.after` continues below that id.
    pub async fn audit_log(&mut self, tenant: TenantId, page: Page) -> Result<Vec<AuditEntry>> {
        type Row = (i64, Stamp, Option<i64>, Option<String>, String, String, String);
        let rows: Vec<Row> = dispatch!(self, c => sqlx::query_as(
            "SELECT a.id, a.at, a.user_id, u.name, a.action, a.subject, a.detail FROM audit_log a LEFT JOIN users u ON u.id = a.user_id \
             WHERE a.tenant_id = $1 AND a.id < $2 ORDER BY a.id DESC LIMIT $3")
            .bind(tenant.0).bind(page.after.unwrap_or(i64::MAX)).bind(i64::from(page.limit)).fetch_all(c).await?);
        Ok(rows
            .into_iter()
            .map(|(id, at, user, name, action, subject, detail)| AuditEntry {
                id,
                at: at.0,
                user: user.map(|u| (UserId(u), name.unwrap_or_default())),
                action,
                subject,
                detail,
            })
            .collect())
    }

    /// Adds a note to a debtor's file.
    pub async fn add_debtor_note(&mut self, tenant: TenantId, debtor: DebtorId, user: Option<UserId>, body: &str) -> Result<i64> {
        let id: i64 = dispatch!(self, c => sqlx::query_scalar(
            "INSERT INTO debtor_notes (tenant_id, debtor_id, user_id, body, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(tenant.0).bind(debtor.0).bind(user.map(|u| u.0)).bind(body.trim().to_string()).bind(Stamp::now())
            .fetch_one(c).await?);
        Ok(id)
    }

    /// A debtor's notes, oldest first: id, when, who, the text.
    pub async fn debtor_notes(&mut self, tenant: TenantId, debtor: DebtorId) -> Result<Vec<(i64, Timestamp, Option<String>, String)>> {
        let rows: Vec<(i64, Stamp, Option<String>, String)> = dispatch!(self, c => sqlx::query_as(
            "SELECT n.id, n.created_at, u.name, n.body FROM debtor_notes n LEFT JOIN users u ON u.id = n.user_id \
             WHERE n.tenant_id = $1 AND n.debtor_id = $2 ORDER BY n.id")
            .bind(tenant.0).bind(debtor.0).fetch_all(c).await?);
        Ok(rows.into_iter().map(|(id, at, who, body)| (id, at.0, who, body)).collect())
    }
}
