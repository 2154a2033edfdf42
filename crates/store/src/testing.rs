//! Fresh databases for tests, on both backends.
//!
//! SQLite: a new file per call. PostgreSQL: one new database per test process on the server
//! named by `TEGOED_TEST_POSTGRES` (default `postgres://postgres@127.0.0.1:5432/postgres`),
//! created on first use; tests share it and keep apart by creating their own tenants, as
//! tenants do in production. When `TEGOED_TEST_DATABASE_URL` is set (CI sets it to a database
//! made for the run), that database is used instead. If PostgreSQL cannot be reached the test
//! fails, loudly: nothing is skipped.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::Db;

static SQLITE_COUNTER: AtomicU64 = AtomicU64::new(0);
static PG_URL: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

/// A migrated SQLite database in a new file under the system's temp directory.
pub async fn sqlite() -> Db {
    let n = SQLITE_COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join("tegoed-tests");
    std::fs::create_dir_all(&dir).expect("temp dir for test databases");
    let path = dir.join(format!("{}-{}-{n}.db", std::process::id(), jiff::Timestamp::now().as_microsecond()));
    let db = Db::connect(&format!("sqlite:{}", path.display())).await.expect("open SQLite test database");
    db.migrate().await.expect("migrate SQLite test database");
    db
}

/// The URL of this process's PostgreSQL test database, creating it on first use.
pub async fn postgres_url() -> String {
    PG_URL
        .get_or_init(|| async {
            if let Ok(url) = std::env::var("TEGOED_TEST_DATABASE_URL") {
                return url;
            }
            let server = std::env::var("TEGOED_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
            let admin = match Db::connect(&server).await {
                Ok(db) => db,
                Err(e) => panic!(
                    "PostgreSQL is needed for the tests and cannot be reached at {server}: {e}. \
                     Start it (bash .ci/run does) or point TEGOED_TEST_POSTGRES at one."
                ),
            };
            let name = format!("tegoed_test_{}_{}", std::process::id(), jiff::Timestamp::now().as_microsecond());
            let Db::Postgres(pool) = &admin else { panic!("TEGOED_TEST_POSTGRES must be a postgres:// URL") };
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(pool).await.expect("create test database");
            admin.close().await;
            let base = server.rsplit_once('/').map_or(server.as_str(), |(b, _)| b).to_string();
            format!("{base}/{name}")
        })
        .await
        .clone()
}

/// A migrated PostgreSQL database, shared by the tests of this process.
pub async fn postgres() -> Db {
    let url = postgres_url().await;
    let db = Db::connect(&url).await.unwrap_or_else(|e| panic!("connect to PostgreSQL test database {url}: {e}"));
    db.migrate().await.expect("migrate PostgreSQL test database");
    db
}

/// Declares a test once per backend: `on_both_backends!(name)` runs the async function `name`,
/// which takes a [`Db`], as `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::testing::sqlite().await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::testing::postgres().await).await;
            }
        }
    )+};
}
