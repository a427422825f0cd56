//! Test databases: a fresh SQLite file, and a fresh PostgreSQL database on the server named by
//! `TRUNKLINE_TEST_POSTGRES_URL`. Without that variable PostgreSQL cases are skipped with a
//! printed reason, or fail when `CI` is set. Each database is removed when its test ends.

use dialer_api::store::Store;
use sqlx::Connection;

/// A database for one test.
pub struct TestDb {
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    /// URL to open it.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    /// The server URL and name of a PostgreSQL database to drop at the end.
    drop_on_exit: Option<(String, String)>,
}

impl Drop for TestDb {
    /// Drops the PostgreSQL database (closing what the test left open), so repeated runs do not
    /// pile up databases on the server. Runs on its own thread: `drop` may be called inside the
    /// test's runtime, which cannot be blocked on.
    fn drop(&mut self) {
        let Some((server, name)) = self.drop_on_exit.take() else {
            return;
        };
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let mut conn = sqlx::PgConnection::connect(&server).await.ok()?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await
                    .ok()?;
                conn.close().await.ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(()))) {
            eprintln!("could not drop a test database; remove trunkline_t_* by hand");
        }
    }
}

impl TestDb {
    /// Opens (and migrates) a store on this database.
    pub async fn store(&self) -> Store {
        Store::open(&self.url).await.expect("open test store")
    }

    /// Runs one SQL statement on its own connection (to fake what a test cannot cause in
    /// time, such as a lease expiring).
    pub async fn execute(&self, sql: &str) {
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&self.url)
            .await
            .expect("connect to the test database");
        sqlx::query(sql).execute(&mut conn).await.expect(sql);
        let _ = conn.close().await;
    }
}

/// A fresh SQLite database in a temporary directory.
pub fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("trunkline.db").display());
    TestDb {
        backend: "sqlite",
        url,
        _dir: Some(dir),
        drop_on_exit: None,
    }
}

/// A fresh PostgreSQL database, or `None` (with the reason printed) when none is configured.
pub async fn postgres() -> Option<TestDb> {
    let Ok(base) = std::env::var("TRUNKLINE_TEST_POSTGRES_URL") else {
        if std::env::var_os("CI").is_some() {
            panic!("CI is set but TRUNKLINE_TEST_POSTGRES_URL is not: PostgreSQL tests cannot run");
        }
        eprintln!("skipping PostgreSQL case: TRUNKLINE_TEST_POSTGRES_URL is not set");
        return None;
    };
    let name = format!("trunkline_t_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&base)
        .await
        .expect("connect to TRUNKLINE_TEST_POSTGRES_URL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let _ = conn.close().await;
    let mut url = url::Url::parse(&base).expect("TRUNKLINE_TEST_POSTGRES_URL is a URL");
    url.set_path(&format!("/{name}"));
    Some(TestDb {
        backend: "postgres",
        url: url.to_string(),
        _dir: None,
        drop_on_exit: Some((base, name)),
    })
}

/// Every backend available: SQLite always, PostgreSQL when configured.
pub async fn all() -> Vec<TestDb> {
    let mut dbs = vec![sqlite()];
    dbs.extend(postgres().await);
    dbs
}
