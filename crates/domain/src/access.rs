//! Who may do what in the back-office. A user belongs to one or more tenants (a collection or
//! credit-management service acts for its clients) with one role in each.

use crate::debtor::word_enum;
use crate::{FieldProblem, Invalid};

word_enum!(
    /// What a user may do for a tenant.
    Role {
        /** Everything a credit controller may, plus policies, texts, settings and users. */ Admin = "admin",
        /** Works the worklist: calls, notes, holds, promises, arrangements, dispute decisions. */ CreditController = "credit_controller",
        /** Sees everything, changes nothing. */ ReadOnly = "read_only",
    }
);

impl Role {
    /// Whether the role may act on debtors' files (log calls, notes, holds, decisions).
    pub fn may_act(self) -> bool {
        matches!(self, Role::Admin | Role::CreditController)
    }

    /// Whether the role may change the tenant's policies, texts and settings.
    pub fn may_configure(self) -> bool {
        self == Role::Admin
    }
}

/// The shortest password accepted. NIST SP 800-63B §5.1.1.2 asks for at least 8 characters for
/// a password a user chose; the back-office asks 12 because it guards debtors' personal data.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// The longest password accepted: long enough for any pass phrase, short enough that hashing
/// it cannot be used to load the server (NIST SP 800-63B asks to allow at least 64).
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Checks a new password's length; the strength beyond that is the user's.
pub fn check_new_password(problems: &mut Vec<FieldProblem>, field: &str, password: &str) {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        problems.push(FieldProblem::new(field, format!("must be at least {MIN_PASSWORD_CHARS} characters, got {n}")));
    } else if n > MAX_PASSWORD_CHARS {
        problems.push(FieldProblem::new(field, format!("must be at most {MAX_PASSWORD_CHARS} characters, got {n}")));
    }
}

/// A user's sign-in name: their e-mail address, trimmed and in lower case, so that
/// `Anna@Example.nl` and `anna@example.nl` are one user.
pub fn login_name(input: &str) -> Result<String, Invalid> {
    let s = input.trim().to_lowercase();
    let ok = s.len() <= 254
        && s.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.') && !domain.starts_with('.'))
        && !s.chars().any(char::is_whitespace);
    if !ok {
        return Err(Invalid::new("e-mail address", format!("'{}' is not an e-mail address", input.trim())));
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_configure_and_read_only_users_do_not_act() {
        assert!(Role::Admin.may_act() && Role::Admin.may_configure());
        assert!(Role::CreditController.may_act() && !Role::CreditController.may_configure());
        assert!(!Role::ReadOnly.may_act() && !Role::ReadOnly.may_configure());
        assert_eq!(Role::parse("credit_controller"), Ok(Role::CreditController));
        assert!(Role::parse("owner").is_err());
    }

    #[test]
    fn passwords_need_twelve_to_256_characters() {
        let check = |p: &str| {
            let mut v = Vec::new();
            check_new_password(&mut v, "password", p);
            v
        };
        assert_eq!(check("elf-tekens!").len(), 1, "11 characters");
        assert!(check("twaalf-tekens").is_empty());
        assert!(check("ééééééééééé€").is_empty(), "characters, not bytes");
        assert!(check(&"x".repeat(256)).is_empty());
        assert_eq!(check(&"x".repeat(257))[0].message, "must be at most 256 characters, got 257");
    }

    #[test]
    fn login_names_ignore_case_and_spaces() {
        assert_eq!(login_name("  Anna@Example.NL ").as_deref(), Ok("anna@example.nl"));
        for bad in ["anna", "@example.nl", "anna@localhost", "an na@example.nl", "anna@.nl"] {
            assert!(login_name(bad).is_err(), "{bad}");
        }
    }
}
