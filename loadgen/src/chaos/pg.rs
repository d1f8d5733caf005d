//! PostgreSQL for a chaos run with `--store postgres`: a cluster of the
//! run's own (`initdb` as the `postgres` user, trust authentication on the
//! private bridge only) on a host of its own, and what the faults do to it:
//! an immediate shutdown and restart, a freeze of every process, the
//! servers' `LISTEN` sessions terminated or frozen alone.

use super::net::{Host, NetError};
use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// PostgreSQL's port on its host.
pub const PG_PORT: u16 = 5432;

/// The newest installed PostgreSQL's `bin` directory.
fn bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    dirs.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    dirs.pop()
}

fn failed(command: &str, stderr: &[u8]) -> NetError {
    NetError::Command {
        command: command.to_string(),
        stderr: String::from_utf8_lossy(stderr).trim().to_string(),
    }
}

/// The run's PostgreSQL.
pub struct Postgres {
    host: Host,
    bin: PathBuf,
    data: PathBuf,
    child: Option<Child>,
}

impl Postgres {
    /// `initdb`, start, and a `cachescope` database.
    pub async fn start(host: Host, dir: &Path) -> Result<Self, NetError> {
        let bin = bin_dir().ok_or_else(|| failed("initdb", b"PostgreSQL is not installed"))?;
        let root = dir.join("postgres");
        let data = root.join("data");
        let _ = std::fs::create_dir_all(&root);
        let own = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&root)
            .output()
            .map_err(|e| failed("chown", e.to_string().as_bytes()))?;
        if !own.status.success() {
            return Err(failed("chown", &own.stderr));
        }
        let init = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args(["-A", "trust", "-U", "postgres", "--no-sync"])
            .output()
            .map_err(|e| failed("initdb", e.to_string().as_bytes()))?;
        if !init.status.success() {
            return Err(failed("initdb", &init.stderr));
        }
        // Only the run's own namespaces can reach this address.
        let hba = data.join("pg_hba.conf");
        let mut rules = std::fs::read_to_string(&hba).unwrap_or_default();
        rules.push_str("host all all 0.0.0.0/0 trust\n");
        let _ = std::fs::write(&hba, rules);
        let mut pg = Postgres {
            host,
            bin,
            data,
            child: None,
        };
        pg.restart().await?;
        pg.psql_db("postgres", "CREATE DATABASE cachescope")?;
        Ok(pg)
    }

    /// Starts the server on its data, waits until it answers.
    pub async fn restart(&mut self) -> Result<(), NetError> {
        let log = self.data.with_file_name("postgres.log");
        let log = std::fs::File::create(log).ok();
        let mut command = Command::new("ip");
        command
            .args([
                "netns",
                "exec",
                &self.host.ns,
                "runuser",
                "-u",
                "postgres",
                "--",
            ])
            .arg(self.bin.join("postgres"))
            .arg("-D")
            .arg(&self.data)
            .args(["-p", &PG_PORT.to_string(), "-k"])
            .arg(&self.data)
            .args(["-c", &format!("listen_addresses={}", self.host.ip)])
            .args(["-c", "fsync=off", "-c", "max_connections=100"])
            .stdin(Stdio::null());
        match log.and_then(|f| f.try_clone().ok().map(|g| (f, g))) {
            Some((out, err)) => command.stdout(out).stderr(err),
            None => command.stdout(Stdio::null()).stderr(Stdio::null()),
        };
        self.child = Some(
            command
                .spawn()
                .map_err(|e| failed("postgres", e.to_string().as_bytes()))?,
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if self.psql_db("postgres", "SELECT 1").is_ok() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(failed("postgres", b"not ready after 30 s"))
    }

    /// `postgres://postgres@ip:5432/cachescope`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@{}:{PG_PORT}/cachescope", self.host.ip)
    }

    /// Runs SQL in database `db` through `psql` (from the root namespace,
    /// over the bridge); the output, rows one per line.
    fn psql_db(&self, db: &str, sql: &str) -> Result<String, NetError> {
        let out = Command::new(self.bin.join("psql"))
            .args(["-h", &self.host.ip.to_string(), "-p", &PG_PORT.to_string()])
            .args([
                "-U",
                "postgres",
                "-d",
                db,
                "-v",
                "ON_ERROR_STOP=1",
                "-At",
                "-c",
                sql,
            ])
            .env("PGCONNECT_TIMEOUT", "2")
            .output()
            .map_err(|e| failed("psql", e.to_string().as_bytes()))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(failed("psql", &out.stderr))
        }
    }

    /// Runs SQL in the `cachescope` database.
    pub fn psql(&self, sql: &str) -> Result<String, NetError> {
        self.psql_db("cachescope", sql)
    }

    /// The postmaster's process id (first line of `postmaster.pid`).
    fn postmaster(&self) -> Option<String> {
        let text = std::fs::read_to_string(self.data.join("postmaster.pid")).ok()?;
        text.lines().next().map(str::to_string)
    }

    fn signal_all(&self, signal: &str) {
        if let Some(pid) = self.postmaster() {
            let _ = Command::new("pkill")
                .args(["--signal", signal, "-P", &pid])
                .status();
            let _ = Command::new("kill")
                .args([&format!("-{signal}"), &pid])
                .status();
        }
    }

    /// Immediate shutdown (SIGQUIT: no checkpoint, every client cut off, as
    /// a crash), waited for.
    pub fn stop(&mut self) {
        if let Some(pid) = self.postmaster() {
            let _ = Command::new("kill").args(["-QUIT", &pid]).status();
        }
        if let Some(mut child) = self.child.take() {
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGSTOP of the server and every backend.
    pub fn pause(&self) {
        self.signal_all("STOP");
    }

    /// SIGCONT.
    pub fn resume(&self) {
        self.signal_all("CONT");
    }

    /// The process ids of the servers' `LISTEN` sessions.
    pub fn listeners(&self) -> Vec<String> {
        self.psql(
            "SELECT pid FROM pg_stat_activity WHERE query ILIKE 'LISTEN%' AND pid <> pg_backend_pid()",
        )
        .map(|out| out.lines().map(str::to_string).filter(|l| !l.is_empty()).collect())
        .unwrap_or_default()
    }

    /// Ends every fault: resumes, restarts if stopped.
    pub async fn heal(&mut self) {
        self.resume();
        for pid in self.listeners() {
            let _ = Command::new("kill").args(["-CONT", &pid]).status();
        }
        if self.child.is_none() {
            if let Err(error) = self.restart().await {
                eprintln!("chaos: PostgreSQL does not restart: {error}");
            }
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.resume();
        self.stop();
    }
}
