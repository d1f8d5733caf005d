//! Following Redis Sentinel: which node is the master, which are replicas,
//! and what happened during a failover.
//!
//! Two paths, as the Sentinel client spec asks (events must not be the only
//! one):
//! - every reachable Sentinel's Pub/Sub events (`+switch-master`, `+sdown`,
//!   `+odown`, `+try-failover`, ...) are read by one task per Sentinel
//!   ([`subscribe`]), so a switch is acted on at once;
//! - [`follow`] resolves the topology again every second, and at once when a
//!   call to the master times out, loses its connection or meets `READONLY`.
//!
//! Resolution asks every Sentinel (`SENTINEL MASTER`, `SENTINEL REPLICAS`),
//! believes the one with the newest configuration epoch, checks with `ROLE`
//! that the node it names really is a master, and only then re-points the
//! master handles ([`Topology::set_master`]). One task does it, so there is
//! one resolution at a time, and no lock is held while Redis is asked.

mod events;

pub use events::SentinelEvent;

use super::{now_ms, Addr, Node, StoreError, Topology};
use app::types::{Failover, HaStatus, SentinelStatus};
use futures::StreamExt;
use std::{
    collections::{HashMap, VecDeque},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};
use tokio::sync::mpsc;

/// How often the topology is resolved without being asked.
pub const POLL_EVERY: Duration = Duration::from_secs(1);
/// Failovers kept for the dashboard.
const FAILOVERS_KEPT: usize = 20;

/// One event from one Sentinel.
#[derive(Debug, Clone)]
pub struct Event {
    /// The channel, such as `+switch-master`.
    pub channel: String,
    /// The message, such as `cachescope 127.0.0.1 6379 127.0.0.1 6380`.
    pub payload: String,
}

/// The Sentinels of one master name, and what they said.
pub struct Sentinels {
    master_name: String,
    nodes: Vec<Node>,
    urls: Vec<String>,
    state: Mutex<State>,
    /// See [`Sentinels::write_epoch`].
    epoch: AtomicU64,
}

/// Where following the master stands; writes are refused while
/// [`Phase::FailingOver`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Phase {
    /// No master resolved yet: the first one named is no failover.
    #[default]
    Starting,
    /// Following a master a resolution confirmed.
    Following,
    /// A failover may be under way (a Sentinel's step, or its flags on a
    /// poll) and no resolution has confirmed the master since.
    FailingOver {
        /// Whether a master was resolved before (a move then is a failover).
        resolved: bool,
    },
}

impl Phase {
    fn resolved(self) -> bool {
        matches!(
            self,
            Phase::Following | Phase::FailingOver { resolved: true }
        )
    }

    fn failing_over(self) -> bool {
        matches!(self, Phase::FailingOver { .. })
    }

    fn of(resolved: bool, failing_over: bool) -> Phase {
        match (resolved, failing_over) {
            (_, true) => Phase::FailingOver { resolved },
            (true, false) => Phase::Following,
            (false, false) => Phase::Starting,
        }
    }
}

#[derive(Default)]
struct State {
    statuses: Vec<SentinelStatus>,
    quorum_ok: bool,
    quorum_detail: String,
    phase: Phase,
    /// First sign of trouble with the current master, in ms since the epoch.
    trouble_since: Option<u64>,
    failovers: VecDeque<Failover>,
}

/// What one resolution found about the master.
#[derive(Debug, Clone, PartialEq, Eq)]
enum MasterCheck {
    /// No Sentinel named one.
    Unnamed,
    /// Named elsewhere, but `ROLE` there does not say master yet, or the
    /// handles could not be re-pointed: nothing changed.
    NotFollowed,
    /// The handles were re-pointed from `from` to the named master, which
    /// says it is one.
    Moved {
        /// Where they pointed.
        from: String,
        /// The master now.
        to: Addr,
    },
    /// The handles already pointed at the named master when re-pointed.
    AlreadyThere,
    /// The handles point at the named master; `answers`: no Sentinel finds
    /// it down and it answers `PING`.
    Confirmed {
        /// Whether it answered.
        answers: bool,
    },
}

/// Everything one resolution learnt, applied to the [`State`] at once.
struct Resolution {
    statuses: Vec<SentinelStatus>,
    quorum: (bool, String),
    /// A Sentinel runs a failover of this master, or finds it objectively
    /// down.
    failover_seen: bool,
    master: MasterCheck,
}

impl Sentinels {
    /// Connections (lazy) to each Sentinel, `host:port` each.
    pub fn new(addrs: &[String], master_name: &str, timeout: Duration) -> Result<Self, StoreError> {
        let urls: Vec<String> = addrs.iter().map(|a| format!("redis://{a}")).collect();
        let nodes = urls
            .iter()
            .map(|url| Node::new(url, timeout))
            .collect::<Result<Vec<_>, _>>()?;
        let statuses = nodes
            .iter()
            .map(|n| SentinelStatus {
                addr: n.addr().to_string(),
                ..SentinelStatus::default()
            })
            .collect();
        Ok(Sentinels {
            master_name: master_name.to_string(),
            nodes,
            urls,
            state: Mutex::new(State {
                statuses,
                quorum_detail: "not asked yet".to_string(),
                ..State::default()
            }),
            epoch: AtomicU64::new(0),
        })
    }

    /// Bumped when a failover may have begun and when the master moved: a
    /// write that sees it unchanged from before it was sent to after its
    /// `WAIT` stayed on one master no failover had started to replace.
    pub fn write_epoch(&self) -> u64 {
        self.epoch.load(Ordering::SeqCst)
    }

    /// Marks the start of a possible failover (see [`Sentinels::write_epoch`]).
    pub fn fence(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
    }

    /// Whether a Sentinel said a failover of our master is under way and
    /// no resolution confirmed the master since (writes are refused
    /// meanwhile).
    pub fn failover_in_progress(&self) -> bool {
        self.state().phase.failing_over()
    }

    /// How many Sentinels are configured.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether none is (never, once built from a non-empty list).
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A copy of what is known, for the metrics tick.
    pub fn status(&self) -> HaStatus {
        let state = self.state();
        HaStatus {
            master_name: self.master_name.clone(),
            sentinels: state.statuses.clone(),
            quorum_ok: state.quorum_ok,
            quorum_detail: state.quorum_detail.clone(),
            failover_in_progress: state.phase.failing_over(),
            failovers: state.failovers.iter().cloned().collect(),
        }
    }

    /// Takes one event into account; returns whether the topology should be
    /// resolved at once.
    pub fn on_event(&self, event: &Event, now: u64) -> bool {
        let event = SentinelEvent::parse(&event.channel, &event.payload, &self.master_name);
        let mut state = self.state();
        match &event {
            SentinelEvent::Switched { from, to } => {
                state.record_switch(from.to_string(), to.to_string(), now)
            }
            SentinelEvent::MasterUnreachable => {
                state.trouble_since.get_or_insert(now);
            }
            // From the first step on, a replica may already answer as
            // master before the switch is announced: writes stop until a
            // resolution confirms the master.
            SentinelEvent::FailoverStep { .. } => {
                if state.failing_over(now) {
                    self.fence();
                }
            }
            SentinelEvent::MasterReachable if !state.phase.failing_over() => {
                state.trouble_since = None
            }
            SentinelEvent::MasterReachable
            | SentinelEvent::FailoverOver
            | SentinelEvent::ReplicasChanged
            | SentinelEvent::Unrelated => {}
        }
        event.resolve_now()
    }
}

impl State {
    /// A failover may have begun: writes stop. Returns whether it is news
    /// (the caller then fences writes already sent).
    fn failing_over(&mut self, now: u64) -> bool {
        let news = !self.phase.failing_over();
        self.phase = Phase::of(self.phase.resolved(), true);
        self.trouble_since.get_or_insert(now);
        news
    }

    /// Takes a resolution in: records a move as a failover (unless it is
    /// the first master named), leaves [`Phase::FailingOver`] only when the
    /// master was confirmed (moved to, or answering) and no Sentinel still
    /// runs a failover, and keeps when trouble began. Returns whether
    /// writes must be fenced (a failover was first seen here).
    fn apply(&mut self, resolution: Resolution, now: u64) -> bool {
        let Resolution {
            statuses,
            quorum,
            failover_seen,
            master,
        } = resolution;
        self.statuses = statuses;
        (self.quorum_ok, self.quorum_detail) = quorum;
        let resolved_before = self.phase.resolved();
        if let MasterCheck::Moved { from, to } = &master {
            if resolved_before {
                tracing::warn!(%from, %to, "Sentinel switched the master; following");
                self.record_switch(from.clone(), to.to_string(), now);
            } else {
                tracing::info!(master = %to, "Sentinel names the master");
            }
        }
        let resolved = resolved_before
            || matches!(
                master,
                MasterCheck::Moved { .. }
                    | MasterCheck::AlreadyThere
                    | MasterCheck::Confirmed { .. }
            );
        let confirmed = matches!(
            master,
            MasterCheck::Moved { .. } | MasterCheck::Confirmed { answers: true }
        );
        let fence = if failover_seen {
            self.phase = Phase::of(resolved, self.phase.failing_over());
            self.failing_over(now)
        } else {
            let failing_over = self.phase.failing_over() && !confirmed;
            self.phase = Phase::of(resolved, failing_over);
            false
        };
        match master {
            MasterCheck::Confirmed { answers: true } if !self.phase.failing_over() => {
                self.trouble_since = None
            }
            MasterCheck::Confirmed { answers: false } => {
                self.trouble_since.get_or_insert(now);
            }
            _ => {}
        }
        fence
    }

    /// Adds a failover unless it is the one just recorded (every Sentinel
    /// announces the same switch, and polling may see it too).
    fn record_switch(&mut self, from: String, to: String, now: u64) {
        let seen = self
            .failovers
            .front()
            .is_some_and(|f| f.from == from && f.to == to && now.saturating_sub(f.at) < 60_000);
        if !seen && from != to {
            let since = self.trouble_since.unwrap_or(now);
            self.failovers.push_front(Failover {
                at: now,
                from,
                to,
                duration_ms: now.saturating_sub(since),
            });
            self.failovers.truncate(FAILOVERS_KEPT);
        }
        self.trouble_since = None;
    }
}

/// What one Sentinel said on one resolution.
struct Answer {
    index: usize,
    epoch: u64,
    master: Addr,
    master_down: bool,
    /// The Sentinel runs a failover of this master, or finds it
    /// objectively down.
    failover: bool,
    replicas: Vec<Addr>,
}

/// Asks one Sentinel for the master and its replicas, in one round trip.
async fn ask(
    node: &Node,
    name: &str,
) -> Result<(HashMap<String, String>, Vec<HashMap<String, String>>), StoreError> {
    let mut pipe = redis::pipe();
    pipe.cmd("SENTINEL")
        .arg("MASTER")
        .arg(name)
        .cmd("SENTINEL")
        .arg("REPLICAS")
        .arg(name);
    node.pipe(&pipe).await
}

fn parse_answer(
    index: usize,
    master: &HashMap<String, String>,
    replicas: &[HashMap<String, String>],
) -> Option<Answer> {
    let addr = Addr::from_words(master.get("ip")?, master.get("port")?)?;
    let flags = master.get("flags").map(String::as_str).unwrap_or("");
    let epoch = master
        .get("config-epoch")
        .and_then(|e| e.parse().ok())
        .unwrap_or(0);
    let replicas = replicas
        .iter()
        .filter_map(|r| Addr::from_words(r.get("ip")?, r.get("port")?))
        .filter(|replica| *replica != addr)
        .collect();
    Some(Answer {
        index,
        epoch,
        master: addr,
        master_down: flags.contains("s_down") || flags.contains("o_down"),
        failover: flags.contains("failover_in_progress") || flags.contains("o_down"),
        replicas,
    })
}

/// One resolution: asks every Sentinel, follows the newest configuration
/// (re-pointing the topology only after `ROLE` there says master), and
/// takes what it learnt into the state in one step ([`State::apply`]). No
/// lock is held while anyone is asked.
pub async fn resolve(topology: &Topology, sentinels: &Sentinels) {
    let (statuses, answers) = ask_all(sentinels).await;
    let quorum = quorum(sentinels, &statuses).await;
    let failover_seen = answers.iter().any(|a| a.failover);
    let master = match newest(&answers) {
        Some(best) => {
            let check = follow_master(topology, best).await;
            // The list is the named master's: while the handles still point
            // elsewhere it would drop the promoted node (a replica of the
            // master followed now, and where reads go if it dies).
            if !matches!(check, MasterCheck::NotFollowed) {
                if let Err(error) = topology.set_replicas(&best.replicas) {
                    tracing::warn!(%error, "cannot follow the replica list");
                }
                // Down ones included: a write is durable only when every
                // replica the master should have confirmed it.
                topology.set_expected_replicas(best.replicas.len() as u64);
            }
            check
        }
        None => MasterCheck::Unnamed,
    };
    let resolution = Resolution {
        statuses,
        quorum,
        failover_seen,
        master,
    };
    let mut state = sentinels.state();
    if state.apply(resolution, now_ms()) {
        sentinels.fence();
    }
}

/// Every Sentinel's answer at once: a status for each, and the answers
/// that named a master.
async fn ask_all(sentinels: &Sentinels) -> (Vec<SentinelStatus>, Vec<Answer>) {
    let name = sentinels.master_name.as_str();
    let replies = futures::future::join_all(sentinels.nodes.iter().map(|n| ask(n, name))).await;
    let mut statuses = Vec::with_capacity(replies.len());
    let mut answers = Vec::new();
    for (index, (node, reply)) in sentinels.nodes.iter().zip(replies).enumerate() {
        let addr = node.addr().to_string();
        match reply {
            Ok((master, replicas)) => {
                let answer = parse_answer(index, &master, &replicas);
                statuses.push(SentinelStatus {
                    addr,
                    up: true,
                    master_addr: answer.as_ref().map(|a| a.master.to_string()),
                    error: None,
                });
                answers.extend(answer);
            }
            Err(error) => statuses.push(SentinelStatus {
                addr,
                up: false,
                master_addr: None,
                error: Some(error.to_string()),
            }),
        }
    }
    (statuses, answers)
}

/// The newest configuration; on a tie, the first Sentinel listed.
fn newest(answers: &[Answer]) -> Option<&Answer> {
    answers
        .iter()
        .max_by(|a, b| a.epoch.cmp(&b.epoch).then(b.index.cmp(&a.index)))
}

/// Points the master handles at `best`'s master once `ROLE` there says
/// master, or checks the one they point at already.
async fn follow_master(topology: &Topology, best: &Answer) -> MasterCheck {
    let current = topology.master().addr();
    if *current == *best.master.to_string() {
        let answers = !best.master_down
            && topology
                .master()
                .query::<redis::Value>(&redis::cmd("PING"))
                .await
                .is_ok();
        return MasterCheck::Confirmed { answers };
    }
    if !is_master(topology, &best.master).await {
        return MasterCheck::NotFollowed;
    }
    match topology.set_master(&best.master) {
        Ok(true) => MasterCheck::Moved {
            from: current.to_string(),
            to: best.master.clone(),
        },
        Ok(false) => MasterCheck::AlreadyThere,
        Err(error) => {
            tracing::warn!(%error, "cannot follow the new master");
            MasterCheck::NotFollowed
        }
    }
}

/// `SENTINEL CKQUORUM` on the first Sentinel that answered.
async fn quorum(sentinels: &Sentinels, statuses: &[SentinelStatus]) -> (bool, String) {
    let Some(node) = sentinels
        .nodes
        .iter()
        .zip(statuses)
        .find(|(_, s)| s.up)
        .map(|(n, _)| n)
    else {
        return (
            false,
            "no Sentinel answers: no failover is possible".to_string(),
        );
    };
    let mut cmd = redis::cmd("SENTINEL");
    cmd.arg("CKQUORUM").arg(&sentinels.master_name);
    match node.query::<String>(&cmd).await {
        Ok(text) => (true, text),
        Err(StoreError::Redis { source, .. }) => (
            false,
            source
                .detail()
                .map(|d| {
                    format!("{} {d}", source.code().unwrap_or(""))
                        .trim()
                        .to_string()
                })
                .unwrap_or_else(|| source.to_string()),
        ),
        Err(other) => (false, other.to_string()),
    }
}

/// Whether `host:port` says it is a master (`ROLE`), on a short-lived
/// connection: Sentinel's word is checked before any request follows it.
async fn is_master(topology: &Topology, addr: &Addr) -> bool {
    let info = super::at_address(&topology.0.template, addr);
    let Ok(node) = topology.0.connect.node(info, topology.0.connect.timeout) else {
        return false;
    };
    match node.query::<Vec<redis::Value>>(&redis::cmd("ROLE")).await {
        Ok(role) => matches!(role.first(), Some(redis::Value::BulkString(b)) if b == b"master"),
        Err(_) => false,
    }
}

/// Follows the Sentinels until the task is stopped: resolves every
/// [`POLL_EVERY`], on each event that asks for it, and when a call to the
/// master fails.
pub async fn follow(topology: Topology, mut events: mpsc::Receiver<Event>) {
    let Some(sentinels) = topology.sentinels().cloned() else {
        return;
    };
    let trouble = topology.trouble().clone();
    let mut poll = tokio::time::interval(POLL_EVERY);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = poll.tick() => {}
            () = trouble.notified() => {
                sentinels.state().trouble_since.get_or_insert(now_ms());
            }
            event = events.recv() => match event {
                Some(event) => {
                    if !sentinels.on_event(&event, now_ms()) {
                        continue;
                    }
                }
                None => return,
            },
        }
        resolve(&topology, &sentinels).await;
    }
}

/// Reads one Sentinel's events into `events` until the task is stopped,
/// reconnecting after a second when the Sentinel goes away.
pub async fn subscribe(sentinels: Arc<Sentinels>, index: usize, events: mpsc::Sender<Event>) {
    let Some(url) = sentinels.urls.get(index).cloned() else {
        return;
    };
    let timeout = sentinels
        .nodes
        .get(index)
        .map(Node::timeout)
        .unwrap_or(Duration::from_secs(1));
    loop {
        if let Err(error) = listen(&url, timeout, &events).await {
            tracing::debug!(%error, sentinel = %url, "Sentinel events interrupted");
        }
        if events.is_closed() {
            return;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn listen(
    url: &str,
    timeout: Duration,
    events: &mpsc::Sender<Event>,
) -> Result<(), redis::RedisError> {
    let client = redis::Client::open(url)?;
    let mut pubsub = tokio::time::timeout(timeout, client.get_async_pubsub())
        .await
        .map_err(|_| {
            redis::RedisError::from(std::io::Error::from(std::io::ErrorKind::TimedOut))
        })??;
    for channel in events::CHANNELS {
        tokio::time::timeout(timeout, pubsub.subscribe(channel))
            .await
            .map_err(|_| {
                redis::RedisError::from(std::io::Error::from(std::io::ErrorKind::TimedOut))
            })??;
    }
    let mut messages = pubsub.on_message();
    while let Some(message) = messages.next().await {
        let event = Event {
            channel: message.get_channel_name().to_string(),
            payload: message.get_payload().unwrap_or_default(),
        };
        // A full queue means a resolution is due anyway; never block here.
        if let Err(mpsc::error::TrySendError::Closed(_)) = events.try_send(event) {
            return Ok(());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentinels() -> Sentinels {
        Sentinels::new(
            &["127.0.0.1:1".to_string()],
            "cachescope",
            Duration::from_millis(50),
        )
        .expect("valid")
    }

    fn event(channel: &str, payload: &str) -> Event {
        Event {
            channel: channel.into(),
            payload: payload.into(),
        }
    }

    #[tokio::test]
    async fn a_failover_is_timed_from_the_first_sign_of_trouble() {
        let s = sentinels();
        assert!(s.on_event(&event("+sdown", "master cachescope 127.0.0.1 6379"), 1_000));
        assert!(s.on_event(
            &event("+odown", "master cachescope 127.0.0.1 6379 #quorum 2/2"),
            1_500
        ));
        assert!(s.status().failover_in_progress);
        s.on_event(
            &event("+switch-master", "cachescope 127.0.0.1 6379 127.0.0.1 6380"),
            4_000,
        );
        // The two other Sentinels announce the same switch.
        s.on_event(
            &event("+switch-master", "cachescope 127.0.0.1 6379 127.0.0.1 6380"),
            4_100,
        );
        s.on_event(
            &event("+switch-master", "cachescope 127.0.0.1 6379 127.0.0.1 6380"),
            4_200,
        );
        let status = s.status();
        // Writes stay fenced until a resolution has pointed the handles at
        // the new master and confirmed it.
        assert!(status.failover_in_progress);
        assert_eq!(
            status.failovers,
            vec![Failover {
                at: 4_000,
                from: "127.0.0.1:6379".into(),
                to: "127.0.0.1:6380".into(),
                duration_ms: 3_000,
            }]
        );
    }

    #[tokio::test]
    async fn the_first_step_of_any_failover_fences_writes() {
        let s = sentinels();
        let before = s.write_epoch();
        // A manual failover (`SENTINEL FAILOVER`) starts here: no odown.
        s.on_event(
            &event("+try-failover", "master cachescope 127.0.0.1 6379"),
            1,
        );
        assert!(s.failover_in_progress());
        assert_eq!(s.write_epoch(), before + 1);
        // Later steps of the same failover do not move the epoch again.
        s.on_event(
            &event(
                "+promoted-slave",
                "slave 127.0.0.1:6380 127.0.0.1 6380 @ cachescope 127.0.0.1 6379",
            ),
            2,
        );
        assert_eq!(s.write_epoch(), before + 1);
        // A replica event of another master fences nothing.
        let other = sentinels();
        other.on_event(
            &event(
                "+promoted-slave",
                "slave 10.0.0.2:1 10.0.0.2 1 @ other 10.0.0.1 1",
            ),
            2,
        );
        assert!(!other.failover_in_progress());
    }

    #[tokio::test]
    async fn events_of_other_masters_are_ignored() {
        let s = sentinels();
        assert!(!s.on_event(&event("+switch-master", "other 10.0.0.1 1 10.0.0.2 2"), 1));
        s.on_event(&event("+odown", "master other 10.0.0.1 1 #quorum 2/2"), 1);
        let status = s.status();
        assert!(status.failovers.is_empty());
        assert!(!status.failover_in_progress);
    }

    #[test]
    fn replicas_exclude_the_master_and_the_newest_epoch_is_read() {
        let map = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<HashMap<_, _>>()
        };
        let master = map(&[
            ("ip", "127.0.0.1"),
            ("port", "6380"),
            ("flags", "master"),
            ("config-epoch", "3"),
        ]);
        let replicas = [
            map(&[
                ("ip", "127.0.0.1"),
                ("port", "6379"),
                ("flags", "s_down,slave"),
            ]),
            map(&[("ip", "127.0.0.1"), ("port", "6380"), ("flags", "slave")]),
            map(&[("ip", "127.0.0.1"), ("port", "6381"), ("flags", "slave")]),
        ];
        let answer = parse_answer(0, &master, &replicas).expect("parsed");
        assert_eq!(answer.epoch, 3);
        assert_eq!(answer.master, Addr::new("127.0.0.1", 6380));
        assert!(!answer.master_down);
        assert_eq!(
            answer.replicas,
            vec![Addr::new("127.0.0.1", 6379), Addr::new("127.0.0.1", 6381)]
        );
    }

    fn resolution(failover_seen: bool, master: MasterCheck) -> Resolution {
        Resolution {
            statuses: Vec::new(),
            quorum: (true, "OK".to_string()),
            failover_seen,
            master,
        }
    }

    fn moved() -> MasterCheck {
        MasterCheck::Moved {
            from: "10.0.0.1:6379".to_string(),
            to: Addr::new("10.0.0.2", 6379),
        }
    }

    #[test]
    fn resolutions_move_the_phase_only_on_a_confirmed_master() {
        let mut state = State::default();
        // The first master named is no failover.
        assert!(!state.apply(resolution(false, moved()), 1));
        assert_eq!(state.phase, Phase::Following);
        assert!(state.failovers.is_empty());
        // A poll sees a failover under way: writes are fenced, once.
        assert!(state.apply(
            resolution(true, MasterCheck::Confirmed { answers: false }),
            2
        ));
        assert_eq!(state.phase, Phase::FailingOver { resolved: true });
        assert_eq!(state.trouble_since, Some(2));
        assert!(!state.apply(resolution(true, moved()), 3), "already fenced");
        assert_eq!(state.phase, Phase::FailingOver { resolved: true });
        // Over, but the named master is not one yet: still failing over.
        assert!(!state.apply(resolution(false, MasterCheck::NotFollowed), 4));
        assert!(state.phase.failing_over());
        assert!(!state.apply(
            resolution(false, MasterCheck::Confirmed { answers: false }),
            5
        ));
        assert!(state.phase.failing_over());
        // Confirmed: writes flow again, trouble is over.
        assert!(!state.apply(
            resolution(false, MasterCheck::Confirmed { answers: true }),
            6
        ));
        assert_eq!(state.phase, Phase::Following);
        assert_eq!(state.trouble_since, None);
        // The move seen at 3 was recorded as a failover from the trouble at 2.
        assert_eq!(state.failovers.len(), 1);
        assert_eq!(state.failovers[0].to, "10.0.0.2:6379");
        assert_eq!(state.failovers[0].duration_ms, 1);
    }

    #[test]
    fn a_failover_before_any_master_is_not_recorded_as_one() {
        let mut state = State::default();
        assert!(state.failing_over(1));
        assert_eq!(state.phase, Phase::FailingOver { resolved: false });
        assert!(!state.apply(resolution(false, MasterCheck::Unnamed), 2));
        assert_eq!(state.phase, Phase::FailingOver { resolved: false });
        assert!(!state.apply(resolution(false, moved()), 3));
        assert_eq!(state.phase, Phase::Following);
        assert!(state.failovers.is_empty());
    }
}
