//! The checker: compares what the workload was told with what the final
//! master holds, and what reads returned with what had been acknowledged
//! before they began.
//!
//! - Lost writes by acknowledgement class: a `durable` write missing at the
//!   end is a violation; an `acked` one is counted (asynchronous
//!   replication may lose it, and the answer said so); a `refused` write
//!   found at the end is "unexpected" (a violation: the server said it was
//!   not applied); an `unknown` one found is "recovered".
//! - Index consistency of the product database (every id has its record
//!   and is in every index, and nothing else is).
//! - Stale reads: a read that began after a durable write of a register was
//!   answered and returned an older version; on the server that wrote it
//!   there must be none, on the other none older than the stated bound.
//! - Monotonic reads: per server, a read never returns an older version
//!   than a read of that server that ended before it began.
//! - Unavailability: per fault, the longest time without a successful
//!   write and without a successful read.

use super::{
    redis_admin,
    workload::{version_of, Class, Read, ReadResult, Target, Write, CATEGORY, REGISTER_PREFIX},
};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashSet};

/// What the final master holds.
pub struct FinalState {
    /// Every id in `db:products`.
    pub ids: HashSet<String>,
    /// Each register's version (`None`: absent).
    pub registers: Vec<Option<u64>>,
    /// What is wrong with the indexes.
    pub index_problems: Vec<String>,
}

/// Reads the product database from the master at `addr`.
pub async fn final_state(addr: &str, registers: usize) -> Option<FinalState> {
    let ids: HashSet<String> =
        redis_admin::query(addr, redis::cmd("SMEMBERS").arg("db:products")).await?;
    let mut records = HashSet::new();
    let mut cursor = 0u64;
    loop {
        let (next, keys): (u64, Vec<String>) = redis_admin::query(
            addr,
            redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg("db:product:*")
                .arg("COUNT")
                .arg(1000),
        )
        .await?;
        records.extend(
            keys.into_iter()
                .filter_map(|k| k.strip_prefix("db:product:").map(str::to_string)),
        );
        if next == 0 {
            break;
        }
        cursor = next;
    }
    let by_price: HashSet<String> = redis_admin::query(
        addr,
        redis::cmd("ZRANGE")
            .arg("db:products:by_price")
            .arg(0)
            .arg(-1),
    )
    .await?;
    let category: HashSet<String> = redis_admin::query(
        addr,
        redis::cmd("SMEMBERS").arg(format!("db:category:{CATEGORY}")),
    )
    .await?;
    let category_price: HashSet<String> = redis_admin::query(
        addr,
        redis::cmd("ZRANGE")
            .arg(format!("db:idx:category_price:{CATEGORY}"))
            .arg(0)
            .arg(-1),
    )
    .await?;
    let mut problems = Vec::new();
    let mut differ = |what: &str, a: &HashSet<String>, b: &HashSet<String>| {
        let only_a = a.difference(b).count();
        let only_b = b.difference(a).count();
        if only_a + only_b > 0 {
            problems.push(format!(
                "{what}: {only_a} only in the first, {only_b} only in the second"
            ));
        }
    };
    differ("db:products vs db:product:* records", &ids, &records);
    differ("db:products vs db:products:by_price", &ids, &by_price);
    let chaos: HashSet<String> = ids
        .iter()
        .filter(|id| id.starts_with("chaos-"))
        .cloned()
        .collect();
    differ("chaos ids vs db:category:chaos", &chaos, &category);
    differ(
        "db:category:chaos vs its price index",
        &category,
        &category_price,
    );
    let mut versions = Vec::new();
    for reg in 0..registers {
        let json: Option<String> = redis_admin::query(
            addr,
            redis::cmd("GET").arg(format!("db:product:{REGISTER_PREFIX}{reg}")),
        )
        .await?;
        versions.push(
            json.and_then(|j| serde_json::from_str::<Value>(&j).ok())
                .and_then(|v| version_of(&v)),
        );
    }
    Some(FinalState {
        ids,
        registers: versions,
        index_problems: problems,
    })
}

/// What PostgreSQL holds at the end (`--store postgres`): its ids and the
/// registers' versions; its indexes are its own (no Redis `db:*` keys).
pub fn final_state_pg(pg: &super::pg::Postgres, registers: usize) -> Option<FinalState> {
    let ids = pg.psql("SELECT id FROM products").ok()?;
    let ids: HashSet<String> = ids.lines().map(str::to_string).collect();
    let mut versions = Vec::new();
    for reg in 0..registers {
        let name = pg
            .psql(&format!(
                "SELECT name FROM products WHERE id = '{REGISTER_PREFIX}{reg}'"
            ))
            .ok()?;
        versions.push(version_of(&json!({ "name": name })));
    }
    Some(FinalState {
        ids,
        registers: versions,
        index_problems: Vec::new(),
    })
}

/// One injected fault and when (µs since the run began).
pub struct FaultWindow {
    /// Its name.
    pub kind: &'static str,
    /// What was done.
    pub detail: String,
    /// When it began.
    pub start_us: u64,
    /// When it was healed.
    pub healed_us: u64,
    /// When the topology was whole again (`None`: not within the bound).
    pub settled_us: Option<u64>,
}

/// The bounds the checks hold the run to.
pub struct Bounds {
    /// Longest a read on a server other than the writer's may be behind a
    /// durable write answered before it began, in ms.
    pub other_server_stale_ms: u64,
    /// The register written in `psql` (PostgreSQL store), if any, and how
    /// far behind its changes a read may be (the `LISTEN` silence bound).
    pub external: Option<(usize, u64)>,
}

/// The verdict and the report.
pub struct Analysis {
    /// The JSON report.
    pub report: Value,
    /// What broke a stated guarantee (empty: the run passed).
    pub violations: Vec<String>,
}

#[derive(Default)]
struct Stale {
    count: u64,
    max_ms: f64,
    over_bound: u64,
    by_source: BTreeMap<String, u64>,
}

impl Stale {
    fn add(&mut self, lag_ms: f64, source: &str, bound_ms: Option<u64>) {
        self.count += 1;
        self.max_ms = self.max_ms.max(lag_ms);
        if bound_ms.is_some_and(|b| lag_ms > b as f64) {
            self.over_bound += 1;
        }
        *self.by_source.entry(source.to_string()).or_default() += 1;
    }

    fn json(&self) -> Value {
        json!({"count": self.count, "max_ms": round(self.max_ms), "over_bound": self.over_bound, "by_source": self.by_source})
    }
}

fn round(ms: f64) -> f64 {
    (ms * 10.0).round() / 10.0
}

/// Writes of one register in version order (= answer order: one writer,
/// one write at a time), as (version, end_us, server).
type Versions = Vec<(u64, u64, usize)>;

/// The oldest write newer than `version` answered before `before_us`, if
/// any: how long before the read it was answered.
fn newer_before(
    writes: &Versions,
    version: u64,
    before_us: u64,
    server: Option<usize>,
) -> Option<u64> {
    writes
        .iter()
        .filter(|(v, end, s)| *v > version && *end < before_us && server.is_none_or(|x| x == *s))
        .map(|(_, end, _)| before_us - end)
        .max()
}

/// Checks a run.
pub fn analyze(
    writes: &[Write],
    reads: &[Read],
    faults: &[FaultWindow],
    end: &FinalState,
    registers: usize,
    bounds: &Bounds,
) -> Analysis {
    let mut violations = Vec::new();
    let mut classes: BTreeMap<&str, u64> = BTreeMap::new();
    let (mut lost_durable, mut lost_acked, mut unexpected, mut recovered, mut unknown_absent) =
        (0u64, 0u64, 0u64, 0u64, 0u64);
    let mut durable_by_reg: Vec<Versions> = vec![Vec::new(); registers];
    let mut acked_by_reg: Vec<Versions> = vec![Vec::new(); registers];
    for write in writes {
        *classes.entry(write.class.name()).or_default() += 1;
        let present = match &write.target {
            Target::Create(id) => end.ids.contains(id),
            Target::Register { reg, version } => {
                let last = end.registers.get(*reg).copied().flatten();
                match write.class {
                    // Each register's writes are sequential: a version is
                    // there if the final one is at least as new.
                    Class::Durable | Class::Acked => last.is_some_and(|f| f >= *version),
                    // A refusal or an unknown outcome shows only if it is
                    // the final value itself.
                    Class::Refused | Class::Unknown => last == Some(*version),
                }
            }
        };
        if let Target::Register { reg, version } = &write.target {
            let entry = (*version, write.end_us, write.server);
            match write.class {
                Class::Durable => {
                    durable_by_reg[*reg].push(entry);
                    acked_by_reg[*reg].push(entry);
                }
                Class::Acked => acked_by_reg[*reg].push(entry),
                _ => {}
            }
        }
        match (write.class, present) {
            (Class::Durable, false) => lost_durable += 1,
            (Class::Acked, false) => lost_acked += 1,
            (Class::Refused, true) => unexpected += 1,
            (Class::Unknown, true) => recovered += 1,
            (Class::Unknown, false) => unknown_absent += 1,
            _ => {}
        }
    }
    if lost_durable > 0 {
        violations.push(format!("{lost_durable} write(s) answered durable are lost"));
    }
    if unexpected > 0 {
        violations.push(format!(
            "{unexpected} write(s) answered as refused were applied"
        ));
    }
    if !end.index_problems.is_empty() {
        violations.push(format!(
            "index inconsistent: {}",
            end.index_problems.join("; ")
        ));
    }

    let mut same = Stale::default();
    let mut other = Stale::default();
    let mut vs_acked = Stale::default();
    let mut external = Stale::default();
    let mut sources: BTreeMap<String, u64> = BTreeMap::new();
    let (mut ok, mut failed, mut missing) = (0u64, 0u64, 0u64);
    for read in reads {
        let (version, source) = match &read.result {
            ReadResult::Version { version, source } => (*version, source.as_str()),
            ReadResult::Missing => {
                missing += 1;
                continue;
            }
            ReadResult::Failed => {
                failed += 1;
                continue;
            }
        };
        ok += 1;
        *sources.entry(source.to_string()).or_default() += 1;
        let durable = &durable_by_reg[read.reg];
        if let Some(lag) = newer_before(durable, version, read.start_us, Some(read.server)) {
            same.add(lag as f64 / 1000.0, source, Some(0));
        } else if let Some(lag) = newer_before(durable, version, read.start_us, None) {
            match bounds.external {
                Some((reg, bound)) if reg == read.reg => {
                    external.add(lag as f64 / 1000.0, source, Some(bound))
                }
                _ => other.add(
                    lag as f64 / 1000.0,
                    source,
                    Some(bounds.other_server_stale_ms),
                ),
            }
        }
        if let Some(lag) = newer_before(&acked_by_reg[read.reg], version, read.start_us, None) {
            vs_acked.add(lag as f64 / 1000.0, source, None);
        }
    }
    if same.count > 0 {
        violations.push(format!(
            "{} read(s) on the writing server older than its own durable write (max {:.1} ms)",
            same.count, same.max_ms
        ));
    }
    if other.over_bound > 0 {
        violations.push(format!(
            "{} read(s) on the other server more than {} ms behind a durable write (max {:.1} ms)",
            other.over_bound, bounds.other_server_stale_ms, other.max_ms
        ));
    }
    if external.over_bound > 0 {
        violations.push(format!(
            "{} read(s) more than {} ms behind a change made in psql (max {:.1} ms)",
            external.over_bound,
            bounds.external.map_or(0, |(_, b)| b),
            external.max_ms
        ));
    }
    if missing > 0 {
        violations.push(format!(
            "{missing} read(s) called an existing register missing (404)"
        ));
    }

    let durable_versions: Vec<Vec<u64>> = durable_by_reg
        .iter()
        .map(|list| sorted(list.iter().map(|(v, _, _)| *v)))
        .collect();
    let regressions = non_monotonic(reads, &durable_versions);
    let total_non_monotonic: u64 = regressions.past_durable.iter().sum();
    if total_non_monotonic > 0 {
        violations.push(format!(
            "{total_non_monotonic} read(s) went back in time on one server past a durable write (non-monotonic)"
        ));
    }

    let write_ok: Vec<u64> = sorted(
        writes
            .iter()
            .filter(|w| matches!(w.class, Class::Durable | Class::Acked))
            .map(|w| w.end_us),
    );
    let read_ok: Vec<u64> = sorted(
        reads
            .iter()
            .filter(|r| matches!(r.result, ReadResult::Version { .. }))
            .map(|r| r.end_us),
    );
    let fault_reports: Vec<Value> = faults
        .iter()
        .map(|f| {
            let until = f.settled_us.unwrap_or(f.healed_us).max(f.healed_us);
            json!({
                "kind": f.kind,
                "detail": f.detail,
                "at_s": (f.start_us / 1000) as f64 / 1000.0,
                "held_ms": (f.healed_us - f.start_us) / 1000,
                "settled_ms": f.settled_us.map(|s| s.saturating_sub(f.healed_us) / 1000),
                "longest_without_write_ms": longest_gap(&write_ok, f.start_us, until) / 1000,
                "longest_without_read_ms": longest_gap(&read_ok, f.start_us, until) / 1000,
            })
        })
        .collect();
    let unsettled = faults.iter().filter(|f| f.settled_us.is_none()).count();

    let registers_json: Vec<Value> = (0..registers)
        .map(|reg| {
            let max = |list: &Versions| list.iter().map(|(v, _, _)| *v).max();
            json!({
                "id": format!("{REGISTER_PREFIX}{reg}"),
                "final_version": end.registers.get(reg).copied().flatten(),
                "highest_durable": max(&durable_by_reg[reg]),
                "highest_acknowledged": max(&acked_by_reg[reg]),
            })
        })
        .collect();
    let report = json!({
        "writes": classes,
        "lost": {"durable": lost_durable, "acked": lost_acked},
        "unexpected": unexpected,
        "recovered": recovered,
        "unknown_absent": unknown_absent,
        "registers": registers_json,
        "reads": {"ok": ok, "failed": failed, "missing": missing, "by_source": sources},
        "stale": {
            "same_server": same.json(),
            "other_server": other.json(),
            "other_server_bound_ms": bounds.other_server_stale_ms,
            "psql_changes": external.json(),
            "psql_bound_ms": bounds.external.map(|(_, b)| b),
            "vs_acknowledged_not_durable_too": vs_acked.json(),
        },
        "non_monotonic_by_server": regressions.past_durable,
        "non_monotonic_examples": regressions.examples,
        "went_back_past_non_durable_only_by_server": regressions.past_lost,
        "index_problems": end.index_problems,
        "faults": fault_reports,
        "unsettled_faults": unsettled,
        "violations": violations,
    });
    Analysis { report, violations }
}

fn sorted(values: impl Iterator<Item = u64>) -> Vec<u64> {
    let mut values: Vec<u64> = values.collect();
    values.sort_unstable();
    values
}

/// The longest stretch of `[from, to]` with no event of `sorted_events`.
fn longest_gap(sorted_events: &[u64], from: u64, to: u64) -> u64 {
    let start = sorted_events.partition_point(|&t| t < from);
    let mut last = from;
    let mut longest = 0;
    for &t in &sorted_events[start..] {
        if t > to {
            break;
        }
        longest = longest.max(t - last);
        last = t;
    }
    longest.max(to.saturating_sub(last))
}

/// A read's start, end (µs), the version it returned and where from.
type Span<'a> = (u64, u64, u64, &'a str);

/// How many examples of reads going back in time the report keeps.
const REGRESSION_EXAMPLES: usize = 20;

/// Reads that went back in time on one server.
#[derive(Debug, Default, PartialEq)]
struct Regressions {
    /// Per server: past a durable write (a violation).
    past_durable: Vec<u64>,
    /// Per server: past non-durable writes only (a failover may have lost
    /// them, and their answers said so).
    past_lost: Vec<u64>,
    /// The first few of the first kind, with both reads' times and sources,
    /// so a failed run says which tier answered old data and when.
    examples: Vec<Value>,
}

/// Per server: reads that returned an older version than a read of the
/// same register on the same server that ended before they began, split by
/// whether a durable write lies between the two versions.
fn non_monotonic(reads: &[Read], durable: &[Vec<u64>]) -> Regressions {
    let servers = reads.iter().map(|r| r.server + 1).max().unwrap_or(0);
    let mut found = Regressions {
        past_durable: vec![0; servers],
        past_lost: vec![0; servers],
        examples: Vec::new(),
    };
    let mut groups: BTreeMap<(usize, usize), Vec<Span>> = BTreeMap::new();
    for read in reads {
        if let ReadResult::Version { version, source } = &read.result {
            groups.entry((read.server, read.reg)).or_default().push((
                read.start_us,
                read.end_us,
                *version,
                source.as_str(),
            ));
        }
    }
    for ((server, reg), mut list) in groups {
        let durable = durable.get(reg).map(Vec::as_slice).unwrap_or(&[]);
        // By end time, with the read of the newest version seen up to each
        // end.
        let mut by_end = list.clone();
        by_end.sort_unstable_by_key(|(_, end, _, _)| *end);
        let mut best: Vec<Span> = Vec::with_capacity(by_end.len());
        for span in &by_end {
            let newest = match best.last() {
                Some(last) if last.2 >= span.2 => *last,
                _ => *span,
            };
            best.push(newest);
        }
        list.sort_unstable_by_key(|(start, _, _, _)| *start);
        for (start, end, version, source) in list {
            let ended = by_end.partition_point(|(_, end, _, _)| *end < start);
            let Some(newer) = ended.checked_sub(1).map(|i| best[i]) else {
                continue;
            };
            if version >= newer.2 {
                continue;
            }
            // A durable version in (version, newest seen]?
            let first_above = durable.partition_point(|&d| d <= version);
            if durable.get(first_above).is_some_and(|&d| d <= newer.2) {
                found.past_durable[server] += 1;
                if found.examples.len() < REGRESSION_EXAMPLES {
                    found.examples.push(json!({
                        "server": server,
                        "register": reg,
                        "read": {"start_ms": ms(start), "end_ms": ms(end), "version": version, "source": source},
                        "after": {"start_ms": ms(newer.0), "end_ms": ms(newer.1), "version": newer.2, "source": newer.3},
                    }));
                }
            } else {
                found.past_lost[server] += 1;
            }
        }
    }
    found
}

/// Microseconds since the run began, as milliseconds for the report.
fn ms(us: u64) -> f64 {
    (us / 100) as f64 / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(server: usize, version: u64, end_us: u64, class: Class) -> Write {
        Write {
            server,
            target: Target::Register { reg: 0, version },
            end_us,
            class,
        }
    }

    fn read(server: usize, start_us: u64, version: u64) -> Read {
        Read {
            server,
            reg: 0,
            start_us,
            end_us: start_us + 100,
            result: ReadResult::Version {
                version,
                source: "cache".into(),
            },
        }
    }

    fn state(last: u64, ids: &[&str]) -> FinalState {
        FinalState {
            ids: ids.iter().map(|s| s.to_string()).collect(),
            registers: vec![Some(last)],
            index_problems: Vec::new(),
        }
    }

    #[test]
    fn a_lost_durable_write_and_a_stale_read_are_violations() {
        let writes = vec![
            write(0, 1, 1_000, Class::Durable),
            write(1, 2, 2_000, Class::Durable),
            write(0, 3, 3_000, Class::Acked),
            Write {
                server: 0,
                target: Target::Create("chaos-c0-1".into()),
                end_us: 10,
                class: Class::Durable,
            },
        ];
        // Version 2 was answered at 2 ms by server 1; server 1 then reads 1.
        let reads = vec![read(1, 2_500, 1), read(0, 200_000, 1)];
        let bounds = Bounds {
            other_server_stale_ms: 50,
            external: None,
        };
        let a = analyze(&writes, &reads, &[], &state(1, &[]), 1, &bounds);
        let text = a.violations.join("\n");
        assert!(
            text.contains("2 write(s) answered durable are lost"),
            "{text}"
        );
        assert!(text.contains("1 read(s) on the writing server"), "{text}");
        assert!(
            text.contains("1 read(s) on the other server more than 50 ms"),
            "{text}"
        );
        assert_eq!(a.report["lost"]["acked"], 1);
        let clean = analyze(
            &writes[..2],
            &[read(0, 2_500, 2)],
            &[],
            &state(2, &[]),
            1,
            &bounds,
        );
        assert!(clean.violations.is_empty(), "{:?}", clean.violations);
    }

    #[test]
    fn reads_going_back_in_time_on_one_server_are_counted() {
        let reads = vec![
            read(0, 0, 5),
            read(0, 1_000, 4),
            read(1, 0, 5),
            read(1, 50, 4),
        ];
        // Server 1's second read began before its first ended: concurrent.
        let found = non_monotonic(&reads, &[vec![5]]);
        assert_eq!(
            (found.past_durable, found.past_lost),
            (vec![1, 0], vec![0, 0])
        );
        assert_eq!(found.examples.len(), 1);
        assert_eq!(found.examples[0]["read"]["start_ms"], 1.0);
        assert_eq!(found.examples[0]["after"]["version"], 5);
        // Version 5 was never durable: going back from it is a loss the
        // answers reported, counted apart.
        let found = non_monotonic(&reads, &[vec![4]]);
        assert_eq!(
            (found.past_durable, found.past_lost, found.examples.len()),
            (vec![0, 0], vec![1, 0], 0)
        );
    }

    #[test]
    fn gaps_count_the_edges_of_the_window() {
        assert_eq!(longest_gap(&[10, 20, 50], 0, 60), 30);
        assert_eq!(longest_gap(&[], 0, 60), 60);
        assert_eq!(longest_gap(&[100], 0, 60), 60);
    }
}
