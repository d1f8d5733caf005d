//! The faults a chaos run injects, one at a time: each is injected, held
//! for a while drawn from the run's seed, and healed; then the run waits
//! for the topology to be whole again before the next one.

use super::{cluster::Cluster, procs::MASTER_NAME, redis_admin, rng::Rng, workload::External};
use std::time::Duration;

/// One kind of fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Fault {
    /// SIGKILL of the master, restarted 3-5 s later.
    KillMaster,
    /// SIGKILL of a replica, restarted 3-5 s later.
    KillReplica,
    /// SIGKILL of one Sentinel (or two: then no failover is possible),
    /// restarted 4-6 s later.
    KillSentinels,
    /// SIGSTOP of the master for 2-5 s (long enough for a failover), SIGCONT.
    PauseMaster,
    /// SIGSTOP of a replica for 2-5 s, SIGCONT.
    PauseReplica,
    /// `SENTINEL FAILOVER` under write load.
    ManualFailover,
    /// The master cut from the replicas and the Sentinels (the servers
    /// still reach it) for 5-8 s.
    PartitionMaster,
    /// A replica cut from the master for 3-6 s, the master killed while it
    /// is cut; the cut heals a second later, the master restarts 4 s after.
    CutReplicaKillMaster,
    /// One Sentinel cut from the two others (2 | 1) for 6-9 s.
    SplitSentinels,
    /// The servers' near-cache tracking connections killed (`CLIENT KILL`).
    KillTracking,
    /// PostgreSQL shut down at once (as a crash), restarted 3-5 s later.
    PgKill,
    /// PostgreSQL frozen (every process SIGSTOPped) for 2-4 s.
    PgPause,
    /// The servers' `LISTEN` sessions terminated (`pg_terminate_backend`),
    /// then a change made in `psql`.
    PgTerminateListen,
    /// The servers' `LISTEN` sessions frozen alone for 3-5 s (as a firewall
    /// dropping an idle connection) while changes are made in `psql`.
    PgSilentListen,
}

impl Fault {
    /// Every fault of the Redis topology, the mix a run cycles through.
    pub const ALL: [Fault; 10] = [
        Fault::KillMaster,
        Fault::KillReplica,
        Fault::KillSentinels,
        Fault::PauseMaster,
        Fault::PauseReplica,
        Fault::ManualFailover,
        Fault::PartitionMaster,
        Fault::CutReplicaKillMaster,
        Fault::SplitSentinels,
        Fault::KillTracking,
    ];

    /// The PostgreSQL faults, added to the mix with `--store postgres`.
    pub const POSTGRES: [Fault; 4] = [
        Fault::PgKill,
        Fault::PgPause,
        Fault::PgTerminateListen,
        Fault::PgSilentListen,
    ];

    /// The report's name.
    pub fn name(self) -> &'static str {
        match self {
            Fault::KillMaster => "kill-master",
            Fault::KillReplica => "kill-replica",
            Fault::KillSentinels => "kill-sentinels",
            Fault::PauseMaster => "pause-master",
            Fault::PauseReplica => "pause-replica",
            Fault::ManualFailover => "manual-failover",
            Fault::PartitionMaster => "partition-master",
            Fault::CutReplicaKillMaster => "cut-replica-kill-master",
            Fault::SplitSentinels => "split-sentinels",
            Fault::KillTracking => "kill-tracking",
            Fault::PgKill => "pg-kill",
            Fault::PgPause => "pg-pause",
            Fault::PgTerminateListen => "pg-terminate-listen",
            Fault::PgSilentListen => "pg-silent-listen",
        }
    }
}

async fn hold(rng: &mut Rng, from_ms: u64, to_ms: u64) {
    tokio::time::sleep(Duration::from_millis(rng.between(from_ms, to_ms))).await;
}

/// Injects `fault`, holds it and heals it; returns what was done. The
/// PostgreSQL faults make changes in `psql` through `external`.
pub async fn inject(
    fault: Fault,
    cluster: &mut Cluster,
    rng: &mut Rng,
    external: &mut Option<External>,
) -> String {
    if Fault::POSTGRES.contains(&fault) {
        return inject_pg(fault, cluster, rng, external).await;
    }
    let Some(master) = cluster.named_master().await else {
        return "no master named by the Sentinels: skipped".to_string();
    };
    let replicas: Vec<usize> = (0..cluster.nodes.len()).filter(|&n| n != master).collect();
    let replica = replicas[rng.below(replicas.len() as u64) as usize];
    let name = |cluster: &Cluster, n: usize| cluster.nodes[n].proc.host.name.clone();
    match fault {
        Fault::KillMaster => {
            cluster.nodes[master].proc.kill();
            hold(rng, 3_000, 5_000).await;
            cluster.nodes[master].restart();
            format!("killed and restarted {}", name(cluster, master))
        }
        Fault::KillReplica => {
            cluster.nodes[replica].proc.kill();
            hold(rng, 3_000, 5_000).await;
            cluster.nodes[replica].restart();
            format!("killed and restarted {}", name(cluster, replica))
        }
        Fault::KillSentinels => {
            let count = 1 + rng.below(2) as usize;
            let first = rng.below(3) as usize;
            let chosen: Vec<usize> = (0..count).map(|k| (first + k) % 3).collect();
            for &s in &chosen {
                cluster.sentinels[s].proc.kill();
            }
            hold(rng, 4_000, 6_000).await;
            for &s in &chosen {
                cluster.sentinels[s].restart();
            }
            format!("killed and restarted {count} Sentinel(s)")
        }
        Fault::PauseMaster => {
            cluster.nodes[master].proc.pause();
            hold(rng, 2_000, 5_000).await;
            cluster.nodes[master].proc.resume();
            format!("paused {}", name(cluster, master))
        }
        Fault::PauseReplica => {
            cluster.nodes[replica].proc.pause();
            hold(rng, 2_000, 5_000).await;
            cluster.nodes[replica].proc.resume();
            format!("paused {}", name(cluster, replica))
        }
        Fault::ManualFailover => {
            let s = rng.below(3) as usize;
            let asked = redis_admin::query::<String>(
                &cluster.sentinels[s].addr(),
                redis::cmd("SENTINEL").arg("FAILOVER").arg(MASTER_NAME),
            )
            .await;
            hold(rng, 5_000, 6_000).await;
            format!(
                "SENTINEL FAILOVER through sentinel-{}: {}",
                s + 1,
                asked.unwrap_or_else(|| "refused".to_string())
            )
        }
        Fault::PartitionMaster => {
            let mut peers: Vec<_> = replicas
                .iter()
                .map(|&n| cluster.nodes[n].proc.host.ip)
                .collect();
            peers.extend(cluster.sentinels.iter().map(|s| s.proc.host.ip));
            let host = cluster.nodes[master].proc.host.clone();
            let cut = cluster.net.cut(&host, &peers);
            hold(rng, 5_000, 8_000).await;
            let _ = cluster.net.heal(&host);
            format!(
                "cut {} from replicas and Sentinels{}",
                host.name,
                failed(cut)
            )
        }
        Fault::CutReplicaKillMaster => {
            let host = cluster.nodes[replica].proc.host.clone();
            let master_ip = cluster.nodes[master].proc.host.ip;
            let cut = cluster.net.cut(&host, &[master_ip]);
            hold(rng, 3_000, 6_000).await;
            cluster.nodes[master].proc.kill();
            tokio::time::sleep(Duration::from_secs(1)).await;
            let _ = cluster.net.heal(&host);
            tokio::time::sleep(Duration::from_secs(4)).await;
            cluster.nodes[master].restart();
            format!(
                "cut {} from {}, killed {}{}",
                host.name,
                name(cluster, master),
                name(cluster, master),
                failed(cut)
            )
        }
        Fault::SplitSentinels => {
            let s = rng.below(3) as usize;
            let others: Vec<_> = (0..3)
                .filter(|&o| o != s)
                .map(|o| cluster.sentinels[o].proc.host.ip)
                .collect();
            let host = cluster.sentinels[s].proc.host.clone();
            let cut = cluster.net.cut(&host, &others);
            hold(rng, 6_000, 9_000).await;
            let _ = cluster.net.heal(&host);
            format!("cut {} from the other Sentinels{}", host.name, failed(cut))
        }
        Fault::KillTracking => {
            let addr = cluster.nodes[master].addr();
            let killed = kill_tracking(&addr).await;
            hold(rng, 2_000, 3_000).await;
            format!(
                "killed {killed} tracking connection(s) on {}",
                name(cluster, master)
            )
        }
        _ => "not a Redis fault".to_string(),
    }
}

/// The PostgreSQL faults.
async fn inject_pg(
    fault: Fault,
    cluster: &mut Cluster,
    rng: &mut Rng,
    external: &mut Option<External>,
) -> String {
    let (Some(pg), Some(external)) = (cluster.postgres.as_mut(), external.as_mut()) else {
        return "no PostgreSQL in this run (--store postgres): skipped".to_string();
    };
    match fault {
        Fault::PgKill => {
            pg.stop();
            hold(rng, 3_000, 5_000).await;
            if let Err(error) = pg.restart().await {
                return format!("PostgreSQL does not restart: {error}");
            }
            external.write(pg);
            "PostgreSQL shut down at once and restarted".to_string()
        }
        Fault::PgPause => {
            pg.pause();
            hold(rng, 2_000, 4_000).await;
            pg.resume();
            external.write(pg);
            "PostgreSQL frozen".to_string()
        }
        Fault::PgTerminateListen => {
            let terminated = pg.psql(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query ILIKE 'LISTEN%' AND pid <> pg_backend_pid()",
            );
            external.write(pg);
            hold(rng, 2_000, 3_000).await;
            external.write(pg);
            format!(
                "terminated {} LISTEN session(s), changed a register in psql",
                terminated.unwrap_or_else(|e| e.to_string())
            )
        }
        Fault::PgSilentListen => {
            let pids = pg.listeners();
            for pid in &pids {
                let _ = std::process::Command::new("kill")
                    .args(["-STOP", pid])
                    .status();
            }
            let until = tokio::time::Instant::now()
                + std::time::Duration::from_millis(rng.between(3_000, 5_000));
            let mut changes = 0;
            while tokio::time::Instant::now() < until {
                external.write(pg);
                changes += 1;
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            }
            for pid in &pids {
                let _ = std::process::Command::new("kill")
                    .args(["-CONT", pid])
                    .status();
            }
            format!(
                "froze {} LISTEN session(s), {changes} change(s) in psql meanwhile",
                pids.len()
            )
        }
        _ => "not a PostgreSQL fault".to_string(),
    }
}

/// A cut that could not be made, said after the fault's description.
fn failed(cut: Result<(), super::net::NetError>) -> String {
    cut.err()
        .map(|e| format!(" (FAILED: {e})"))
        .unwrap_or_default()
}

/// `CLIENT KILL` of every connection with tracking on (flag `t`).
async fn kill_tracking(addr: &str) -> usize {
    let Some(list) = redis_admin::query::<String>(addr, redis::cmd("CLIENT").arg("LIST")).await
    else {
        return 0;
    };
    let mut killed = 0;
    for line in list.lines() {
        let field = |name: &str| {
            line.split_whitespace()
                .find_map(|kv| kv.strip_prefix(name).map(str::to_string))
        };
        let tracking = field("flags=").is_some_and(|flags| flags.contains('t'));
        if let (true, Some(id)) = (tracking, field("id=")) {
            let done = redis_admin::query::<i64>(
                addr,
                redis::cmd("CLIENT").arg("KILL").arg("ID").arg(&id),
            )
            .await;
            killed += usize::from(done == Some(1));
        }
    }
    killed
}
