//! The one error every parse-don't-validate constructor returns.

/// A value from outside that does not make a valid domain value: what was expected, and why not.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct Invalid {
    /// What kind of value was expected ("amount", "IBAN", "date", …).
    pub expected: &'static str,
    /// A sentence saying what is wrong, naming the input.
    pub reason: String,
}

impl Invalid {
    /// A new error for an expected kind of value.
    pub fn new(expected: &'static str, reason: impl Into<String>) -> Self {
        Self { expected, reason: reason.into() }
    }
}

/// One problem with one field of a larger input (an API body, a CSV row).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldProblem {
    /// Where: a field name or a JSON path (`allocations[1].amount`).
    pub field: String,
    /// What is wrong and what was expected.
    pub message: String,
}

impl FieldProblem {
    /// A problem with a field.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// Checks a required name-like text: trimmed, not empty, at most `max` characters.
pub fn check_text(problems: &mut Vec<FieldProblem>, field: &str, value: &str, max: usize) {
    let n = value.trim().chars().count();
    if n == 0 {
        problems.push(FieldProblem::new(field, "must not be empty"));
    } else if n > max {
        problems.push(FieldProblem::new(field, format!("must be at most {max} characters, got {n}")));
    }
}
