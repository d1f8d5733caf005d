//! PostgreSQL for the tests: a cluster of the test's own on a free port,
//! never a PostgreSQL the machine already runs. `initdb` runs once per
//! machine (a template data directory under Cargo's test temp dir); each
//! cluster starts from a copy of it, so a test pays a copy and a start
//! (~0.3 s), not an `initdb`. PostgreSQL refuses to run as root: as root,
//! the files and the server belong to the `postgres` user.

use super::free_port;
use std::{
    os::unix::process::CommandExt,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::OnceLock,
    time::{Duration, Instant},
};
use tempfile::TempDir;

/// One `postgres` server of a test, stopped (immediate shutdown) when dropped.
pub struct PgProcess {
    pub port: u16,
    dir: TempDir,
    child: Option<Child>,
}

impl PgProcess {
    /// Starts a fresh cluster (database `cachescope`, user `postgres`, trust
    /// authentication on 127.0.0.1).
    pub async fn start() -> Self {
        let template = template();
        let dir = tempfile::tempdir().expect("temp dir for postgres");
        let data = dir.path().join("data");
        let copied = Command::new("cp")
            .arg("-a")
            .arg(template)
            .arg(&data)
            .status()
            .expect("cp");
        assert!(copied.success(), "copying the template cluster failed");
        own(dir.path());
        let mut process = PgProcess {
            port: free_port(),
            dir,
            child: None,
        };
        process.restart().await;
        process
    }

    /// `postgres://postgres@127.0.0.1:<port>/cachescope`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/cachescope", self.port)
    }

    /// Starts the server again on the same port and data (after [`PgProcess::stop`]).
    pub async fn restart(&mut self) {
        let data = self.dir.path().join("data");
        let child = as_postgres(Command::new(bin("postgres")))
            .arg("-D")
            .arg(&data)
            .arg("-p")
            .arg(self.port.to_string())
            .arg("-k")
            .arg(self.dir.path())
            .args(["-c", "listen_addresses=127.0.0.1"])
            .args(["-c", "fsync=off"])
            .args(["-c", "full_page_writes=off", "-c", "shared_buffers=16MB"])
            .args(["-c", "max_connections=50"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("postgres starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if ready(self.port) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("postgres on {} did not become ready", self.port);
    }

    /// Immediate shutdown (SIGQUIT: no checkpoint, clients cut off), waited for.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-QUIT", &child.id().to_string()])
                .status();
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

    /// Freezes the server and every backend (SIGSTOP): connections stay
    /// open and nothing answers.
    pub fn pause(&self) {
        super::send_signal(self.child.as_ref(), "STOP", true);
    }

    /// Lets a paused server run again.
    pub fn resume(&self) {
        super::send_signal(self.child.as_ref(), "CONT", true);
    }

    /// Runs SQL through `psql`, as a person at a terminal would.
    pub fn psql(&self, sql: &str) -> String {
        let out = as_postgres(Command::new(bin("psql")))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args([
                "-U",
                "postgres",
                "-d",
                "cachescope",
                "-v",
                "ON_ERROR_STOP=1",
            ])
            .args(["-At", "-c", sql])
            .output()
            .expect("psql runs");
        assert!(
            out.status.success(),
            "psql failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

impl Drop for PgProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Accepts a `SELECT 1` through `pg_isready`'s protocol check.
fn ready(port: u16) -> bool {
    Command::new(bin("pg_isready"))
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-d",
            "cachescope",
            "-q",
        ])
        .status()
        .is_ok_and(|s| s.success())
}

/// The template data directory, made once per machine (and per PostgreSQL
/// version): `initdb`, then a database `cachescope`.
fn template() -> &'static Path {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let version = bin_dir()
            .parent()
            .and_then(|p| p.file_name())
            .map(|v| v.to_string_lossy().into_owned())
            .unwrap_or_default();
        let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let template = root.join(format!("pg-template-{version}"));
        if template.join("PG_VERSION").exists() {
            return template;
        }
        // Made beside, then renamed: a concurrent test binary never sees half.
        let work = tempfile::tempdir_in(&root).expect("temp dir for initdb");
        own(work.path());
        let data = work.path().join("data");
        let init = as_postgres(Command::new(bin("initdb")))
            .arg("-D")
            .arg(&data)
            .args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ])
            .stdout(Stdio::null())
            .status()
            .expect("initdb runs");
        assert!(init.success(), "initdb failed");
        // A database named cachescope, made by a short-lived server.
        let port = free_port();
        let mut server = as_postgres(Command::new(bin("postgres")))
            .arg("-D")
            .arg(&data)
            .arg("-p")
            .arg(port.to_string())
            .arg("-k")
            .arg(work.path())
            .args(["-c", "listen_addresses=127.0.0.1"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("postgres starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while !ready_any(port) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let created = as_postgres(Command::new(bin("createdb")))
            .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "postgres"])
            .arg("cachescope")
            .status()
            .expect("createdb runs");
        let _ = Command::new("kill")
            .args(["-INT", &server.id().to_string()])
            .status();
        let _ = server.wait();
        assert!(created.success(), "createdb failed");
        if std::fs::rename(&data, &template).is_err() && !template.join("PG_VERSION").exists() {
            panic!("cannot keep the template cluster at {}", template.display());
        }
        template
    })
}

fn ready_any(port: u16) -> bool {
    Command::new(bin("pg_isready"))
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-q"])
        .status()
        .is_ok_and(|s| s.success())
}

/// The newest PostgreSQL's binaries (`/usr/lib/postgresql/<version>/bin`).
fn bin_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL is installed (apt-get install postgresql)")
            .filter_map(Result::ok)
            .filter_map(|e| {
                let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
                Some((v, e.path().join("bin")))
            })
            .collect();
        versions.sort();
        versions.pop().expect("a PostgreSQL version").1
    })
}

fn bin(name: &str) -> PathBuf {
    bin_dir().join(name)
}

/// The `postgres` user's uid and gid, when we run as root.
fn postgres_ids() -> Option<(u32, u32)> {
    static IDS: OnceLock<Option<(u32, u32)>> = OnceLock::new();
    *IDS.get_or_init(|| {
        let me = Command::new("id").arg("-u").output().ok()?;
        if String::from_utf8_lossy(&me.stdout).trim() != "0" {
            return None;
        }
        let id = |flag: &str| -> Option<u32> {
            let out = Command::new("id").args([flag, "postgres"]).output().ok()?;
            String::from_utf8_lossy(&out.stdout).trim().parse().ok()
        };
        Some((id("-u")?, id("-g")?))
    })
}

/// The command, run as `postgres` when we are root.
fn as_postgres(mut command: Command) -> Command {
    if let Some((uid, gid)) = postgres_ids() {
        command.uid(uid).gid(gid);
    }
    command
}

/// Gives a directory (recursively) to `postgres` when we are root.
fn own(path: &Path) {
    if let Some((uid, gid)) = postgres_ids() {
        let status = Command::new("chown")
            .arg("-R")
            .arg(format!("{uid}:{gid}"))
            .arg(path)
            .status()
            .expect("chown");
        assert!(status.success(), "chown {} failed", path.display());
    }
}
