//! The two backends behind one handle, and the unit of work.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, Postgres};
use sqlx::sqlite::{Sqlite, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use crate::{Result, StoreError};

/// Which database a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// A pool of connections to the one database Tegoed keeps its ledger in.
#[derive(Debug, Clone)]
pub enum Db {
    /// Embedded SQLite.
    Sqlite(SqlitePool),
    /// PostgreSQL.
    Postgres(PgPool),
}

impl Db {
    /// Opens the database a URL names: `sqlite:PATH` (created if missing; `sqlite::memory:` for a
    /// throw-away one) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Db> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url).map_err(StoreError::Database)?;
            let pool = PgPoolOptions::new().max_connections(16).acquire_timeout(Duration::from_secs(10)).connect_with(opts).await?;
            Ok(Db::Postgres(pool))
        } else if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(StoreError::Database)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // In WAL mode NORMAL loses no committed transaction on a process crash, only
                // possibly the last ones on a power cut (sqlite.org/pragma.html#pragma_synchronous).
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                // 64 MiB of page cache per connection instead of SQLite's 2 MB: index inserts into
                // a ledger of a million invoices otherwise re-read pages from the OS all the time.
                .pragma("cache_size", "-65536")
                .pragma("temp_store", "memory")
                // Reads through a memory map instead of a read() call and a copy per page: the
                // daily run reads a fifth of a million-invoice ledger page by page. Only touched
                // pages take memory, and the OS can drop them (sqlite.org/mmap.html).
                .pragma("mmap_size", "1073741824")
                .busy_timeout(Duration::from_secs(10));
            let in_memory = url.contains(":memory:") || url.contains("mode=memory");
            // An in-memory database lives in its one connection; a file serves several readers.
            let max = if in_memory { 1 } else { 8 };
            let pool = SqlitePoolOptions::new()
                .max_connections(max)
                .min_connections(usize::from(in_memory) as u32)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(opts)
                .await?;
            Ok(Db::Sqlite(pool))
        } else {
            Err(StoreError::UnsupportedUrl(url.to_string()))
        }
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Brings the schema up to date with the migrations embedded in the binary.
    pub async fn migrate(&self) -> Result<()> {
        match self {
            Db::Sqlite(p) => sqlx::migrate!("migrations/sqlite").run(p).await?,
            Db::Postgres(p) => sqlx::migrate!("migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    /// A unit of work for reading: a consistent view, nothing written.
    pub async fn read(&self) -> Result<Tx> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// A unit of work for writing. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`), so two writers queue instead of failing halfway with SQLITE_BUSY.
    pub async fn write(&self) -> Result<Tx> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Whether the database answers (for `/healthz`).
    pub async fn ping(&self) -> Result<()> {
        match self {
            Db::Sqlite(p) => sqlx::query("SELECT 1").execute(p).await.map(|_| ())?,
            Db::Postgres(p) => sqlx::query("SELECT 1").execute(p).await.map(|_| ())?,
        }
        Ok(())
    }

    /// Brings the planner's statistics up to date after a bulk write (a generated ledger, a daily
    /// run that stored many steps). PostgreSQL plans from sampled statistics that autovacuum
    /// refreshes only some time after a load; until then a report over a million invoices was
    /// seen to take 0.8 s instead of 0.2 s. SQLite: `PRAGMA optimize`, its advised upkeep.
    pub async fn refresh_statistics(&self) -> Result<()> {
        match self {
            Db::Sqlite(p) => sqlx::query("PRAGMA optimize").execute(p).await.map(|_| ())?,
            Db::Postgres(p) => sqlx::query("ANALYZE").execute(p).await.map(|_| ())?,
        }
        Ok(())
    }

    /// Closes every connection (SQLite checkpoints its WAL).
    pub async fn close(&self) {
        match self {
            Db::Sqlite(p) => p.close().await,
            Db::Postgres(p) => p.close().await,
        }
    }
}

/// A unit of work: everything done through it becomes visible together on [`Tx::commit`], or
/// not at all when it is dropped.
#[derive(Debug)]
pub enum Tx {
    /// On SQLite.
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    /// On PostgreSQL.
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl Tx {
    /// Makes all of it visible.
    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }
}

/// Runs the same code against whichever backend a [`Tx`] holds: `$c` is bound to the
/// backend's `&mut Connection`, and the body is compiled once per backend.
macro_rules! dispatch {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::conn::Tx::Sqlite(t) => {
                let $c: &mut sqlx::SqliteConnection = &mut **t;
                $body
            }
            $crate::conn::Tx::Postgres(t) => {
                let $c: &mut sqlx::PgConnection = &mut **t;
                $body
            }
        }
    };
}
pub(crate) use dispatch;

/// The `VALUES` list of a multi-row INSERT: `rows` tuples of `columns` parameters, bound in
/// order. SQLite gets anonymous `?` parameters: sqlx looks a numbered `$N` up by name, which
/// SQLite answers by walking a list, so thousands of `$N` in one statement cost quadratic time
/// (seen as 78% of a bulk load). PostgreSQL only knows `$N`.
pub(crate) fn values_list(backend: Backend, rows: usize, columns: usize) -> String {
    let mut sql = String::with_capacity(rows * columns * 6);
    let mut n = 0;
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..columns {
            if c > 0 {
                sql.push_str(", ");
            }
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => {
                    n += 1;
                    sql.push('$');
                    sql.push_str(&n.to_string());
                }
            }
        }
        sql.push(')');
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_lists_per_backend() {
        assert_eq!(values_list(Backend::Sqlite, 2, 3), "(?, ?, ?), (?, ?, ?)");
        assert_eq!(values_list(Backend::Postgres, 2, 2), "($1, $2), ($3, $4)");
    }
}
