//! WHERE clauses built from only the filters a list request gives, so that each backend's planner
//! can use an index. A clause like `($1 IS NULL OR debtor_id = $1)` hides the index: a debtor's
//! four invoices among a million were found by scanning all of them (392 ms on SQLite).

use crate::conn::Backend;

/// A value bound to a filter's placeholder.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    /// An integer.
    Int(i64),
    /// A text.
    Text(String),
    /// A business date.
    Date(jiff_sqlx::Date),
}

/// `WHERE` conditions with their arguments, in placeholder order.
pub(crate) struct Filter {
    backend: Backend,
    sql: String,
    pub(crate) args: Vec<Arg>,
}

impl Filter {
    /// Rows of one tenant after a cursor.
    pub(crate) fn new(backend: Backend, tenant: i64, after: Option<i64>) -> Self {
        let mut f = Filter::tenant(backend, tenant);
        f.and("id > ?", Arg::Int(after.unwrap_or(0)));
        f
    }

    /// Rows of one tenant after a cursor, in a query that names its main table `alias`.
    pub(crate) fn aliased(backend: Backend, alias: &str, tenant: i64, after: Option<i64>) -> Self {
        let mut f = Filter { backend, sql: String::new(), args: Vec::new() };
        f.and(&format!("{alias}.tenant_id = ?"), Arg::Int(tenant));
        f.and(&format!("{alias}.id > ?"), Arg::Int(after.unwrap_or(0)));
        f
    }

    /// Rows of one tenant, in a table without an id of its own.
    pub(crate) fn tenant(backend: Backend, tenant: i64) -> Self {
        let mut f = Filter { backend, sql: String::new(), args: Vec::new() };
        f.and("tenant_id = ?", Arg::Int(tenant));
        f
    }

    fn placeholder(&self) -> String {
        match self.backend {
            Backend::Sqlite => "?".to_string(),
            Backend::Postgres => format!("${}", self.args.len()),
        }
    }

    /// Adds a condition with one `?` for its argument.
    pub(crate) fn and(&mut self, condition: &str, arg: Arg) {
        self.args.push(arg);
        let p = self.placeholder();
        self.sql.push_str(if self.sql.is_empty() { " WHERE " } else { " AND " });
        self.sql.push_str(&condition.replacen('?', &p, 1));
    }

    /// Adds `column IN (…)` over integer values (at least one).
    pub(crate) fn and_in(&mut self, column: &str, values: impl IntoIterator<Item = i64>) {
        let mut list = Vec::new();
        for v in values {
            self.args.push(Arg::Int(v));
            list.push(self.placeholder());
        }
        self.and_sql(&format!("{column} IN ({})", list.join(", ")));
    }

    /// Adds `column IN (…)` over text values (at least one).
    pub(crate) fn and_in_text(&mut self, column: &str, values: impl IntoIterator<Item = String>) {
        let mut list = Vec::new();
        for v in values {
            self.args.push(Arg::Text(v));
            list.push(self.placeholder());
        }
        self.and_sql(&format!("{column} IN ({})", list.join(", ")));
    }

    /// The clause with its arguments, without ordering or limit.
    pub(crate) fn clause(self) -> (String, Vec<Arg>) {
        (self.sql, self.args)
    }

    /// Adds a condition with no argument.
    pub(crate) fn and_sql(&mut self, condition: &str) {
        self.sql.push_str(if self.sql.is_empty() { " WHERE " } else { " AND " });
        self.sql.push_str(condition);
    }

    /// Adds a condition on an optional value.
    pub(crate) fn and_some<T>(&mut self, condition: &str, value: Option<T>, arg: impl FnOnce(T) -> Arg) {
        if let Some(v) = value {
            self.and(condition, arg(v));
        }
    }

    /// The clause and `LIMIT` with its placeholder (the limit is the last argument).
    pub(crate) fn finish(mut self, order_and_limit: &str, limit: u32) -> (String, Vec<Arg>) {
        self.args.push(Arg::Int(i64::from(limit)));
        let p = self.placeholder();
        (format!("{} {}", self.sql, order_and_limit.replacen('?', &p, 1)), self.args)
    }
}

/// Binds a filter's arguments to a query, in order.
macro_rules! bind_args {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                $crate::filter::Arg::Int(v) => q.bind(v),
                $crate::filter::Arg::Text(v) => q.bind(v),
                $crate::filter::Arg::Date(v) => q.bind(v),
            };
        }
        q
    }};
}
pub(crate) use bind_args;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_per_backend() {
        let mut f = Filter::new(Backend::Postgres, 7, Some(3));
        f.and("debtor_id = ?", Arg::Int(9));
        f.and_sql("status = 'open'");
        let (sql, args) = f.finish("ORDER BY id LIMIT ?", 50);
        assert_eq!(sql, " WHERE tenant_id = $1 AND id > $2 AND debtor_id = $3 AND status = 'open' ORDER BY id LIMIT $4");
        assert_eq!(args.len(), 4);
        let (sql, _) = Filter::new(Backend::Sqlite, 7, None).finish("ORDER BY id LIMIT ?", 50);
        assert_eq!(sql, " WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT ?");
        let mut f = Filter::new(Backend::Postgres, 7, None);
        f.and_in("id", [4, 5]);
        let (sql, args) = f.finish("ORDER BY id LIMIT ?", 2);
        assert_eq!(sql, " WHERE tenant_id = $1 AND id > $2 AND id IN ($3, $4) ORDER BY id LIMIT $5");
        assert_eq!(args.len(), 5);
    }
}
