//! Per-client rate limiting kept in Redis, so every server instance shares
//! one budget per client (Redis as a rate limiter, a classic use of it),
//! without a Redis round trip per request.
//!
//! GCRA (the generic cell rate algorithm): one key per client and class
//! holds the client's "theoretical arrival time", moved by a Lua script with
//! Redis' own clock (so instances with skewed clocks agree). A client may
//! send `burst` requests at once, then one every `1/rps` seconds.
//!
//! Leases: a server does not ask Redis for each request. It takes up to
//! [`lease_size`] tokens of the client's budget at once (one script call,
//! as many as the GCRA allows right then) and spends them locally until
//! [`LEASE_TTL`] after its last lease call; tokens not spent by then are
//! dropped. When a lease is down to [`refill_at`] tokens, the request that
//! spent the token is answered at once and the next lease is taken in the
//! background, so a client within its budget never waits for Redis; only a
//! client whose lease ran out (first request, or faster than a lease call)
//! waits, and concurrent requests of it on one server wait for one call. A
//! refusal is remembered until its `Retry-After`, so a flood of refused
//! requests costs Redis nothing either.
//!
//! The bound this keeps (README, "Rate limits"): tokens are drawn from the
//! shared budget before they are spent, so a client is never let through
//! more than the GCRA granted, except that a token may be spent after the
//! GCRA's own window moved on. A server holds at most [`most_held`] unspent
//! tokens of a client (a refill lands on at most `refill_at` left), so over
//! any window M servers together let through at most `M × most_held` more
//! than the budget, and may refuse at most that many early (tokens left
//! unspent on another server).
//!
//! If Redis cannot answer within [`CHECK_TIMEOUT`], the request goes through
//! and is counted (fail open: the limiter protects the service, it must not
//! take it down); after a failure the limiter rests for [`REST_AFTER_FAILURE`]
//! so a dead Redis costs no time per request.

use crate::topology::{now_ms, Node};
use axum::http::HeaderValue;
use redis::Script;
use std::{
    collections::HashMap,
    hash::{BuildHasher, BuildHasherDefault, Hash, Hasher, RandomState},
    net::IpAddr,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, LazyLock, Mutex,
    },
    time::Duration,
};
use tokio::sync::Notify;

/// Longest a request waits for the limiter's answer.
pub const CHECK_TIMEOUT: Duration = Duration::from_millis(200);
/// How long the limiter is skipped after Redis failed to answer it.
pub const REST_AFTER_FAILURE: Duration = Duration::from_secs(1);
/// Longest a server keeps leased tokens before it drops them.
pub const LEASE_TTL: Duration = Duration::from_secs(1);
/// Most tokens one lease takes, whatever the budget.
pub const MAX_LEASE: u64 = 1_000;
/// Shards of the lease table (one lock each).
const SHARDS: usize = 32;
/// Entries a shard holds before expired ones are swept.
const SWEEP_AT: usize = 4_096;

/// Tokens one lease takes from a budget: a tenth of its burst (1 for small
/// budgets, which are then exact), at most [`MAX_LEASE`].
pub fn lease_size(budget: Budget) -> u64 {
    (budget.burst / 10).clamp(1, MAX_LEASE)
}

/// Tokens left in a lease when the next one is taken in the background:
/// half a lease (0 for one-token leases, which stay exact: one call per
/// request).
pub fn refill_at(budget: Budget) -> u64 {
    lease_size(budget) / 2
}

/// Most unspent tokens of one client a server holds: a lease landing on
/// what was left when it was asked for.
pub fn most_held(budget: Budget) -> u64 {
    lease_size(budget) + refill_at(budget)
}

/// KEYS[1]: the client's key. ARGV: emission interval (µs), burst tolerance
/// (µs), tokens wanted. Takes as many as fit, at most the tokens wanted.
/// Returns {granted, remaining, retry_after_us, reset_us}: `granted` 0 with
/// the wait until one fits, else what is left of the burst and when it is
/// whole again.
static LEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval, tolerance, want = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local fit = math.floor((now + tolerance - tat) / interval)
if fit < 1 then
  return {0, 0, tat + interval - tolerance - now, tat - now}
end
local granted = math.min(want, fit)
local new_tat = tat + granted * interval
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil((new_tat - now) / 1000))
return {granted, fit - granted, 0, new_tat - now}
"#,
    )
});

/// Prefix of every rate-limit key (they name client addresses: the key
/// browser shows them to nobody).
pub const RATE_LIMIT_PREFIX: &str = "ratelimit:";

/// Which budget a request draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// Pages, the API, the live feed.
    Api,
    /// Admin writes: a twentieth of the budget.
    Admin,
}

impl Class {
    fn name(self) -> &'static str {
        match self {
            Class::Api => "api",
            Class::Admin => "admin",
        }
    }
}

/// A budget: `burst` at once, `rps` per second after that.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    /// Sustained requests per second.
    pub rps: f64,
    /// Requests that may come at once.
    pub burst: u64,
}

/// The limiter's answer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    /// Go on; `remaining` more may come at once; the budget is whole again
    /// in `reset`.
    Allowed {
        /// Requests left in the burst.
        remaining: u64,
        /// Until the burst is whole again.
        reset: Duration,
    },
    /// Too many: try again after `retry_after`.
    Limited {
        /// When the next request would be allowed.
        retry_after: Duration,
    },
    /// Redis did not answer; the request goes through (counted).
    Unknown,
}

/// [`RateLimiter::check`]'s answer: decided at once (the hot path), or
/// after a lease call.
pub enum Check {
    /// Decided from the local lease (or the limiter rests): no wait.
    Now(Decision),
    /// No local token: the decision once a lease call answers.
    Wait(std::pin::Pin<Box<dyn std::future::Future<Output = Decision> + Send>>),
}

/// What this server holds of one client's budget in one class.
#[derive(Default)]
struct Lease {
    /// Tokens left to spend locally.
    tokens: u64,
    /// What the budget had left in Redis when the lease was taken.
    remaining: u64,
    /// When the budget is whole again, as Redis said (ms since the epoch).
    reset_at_ms: u64,
    /// When the tokens left are dropped.
    expires_ms: u64,
    /// Refused until then (the last answer was "no token fits").
    refused_until_ms: u64,
    /// A lease call under way: requests of this client wait for it.
    pending: Option<Arc<Notify>>,
}

impl Lease {
    fn live(&self, now: u64) -> bool {
        self.pending.is_some() || now < self.expires_ms.max(self.refused_until_ms)
    }
}

/// One client's budget of one class, with its hash taken once: the shard
/// and the shard's table both use it (the limiter's keyed SipHash, so a
/// client cannot choose addresses that collide).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Key {
    class: Class,
    ip: IpAddr,
    hash: u64,
}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// The hasher of a shard's table: a [`Key`]'s hash as it was taken.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is called (by `Key`); this keeps any other use a
        // hash rather than a constant.
        for byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*byte);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type Shard = Mutex<HashMap<Key, Lease, BuildHasherDefault<Prehashed>>>;

/// The rate limiter of one server instance.
pub struct RateLimiter {
    master: Node,
    api: Budget,
    admin: Budget,
    /// `RateLimit-Policy` of each class, made once (sent on every answer).
    api_policy: HeaderValue,
    admin_policy: HeaderValue,
    resting_until_ms: AtomicU64,
    leases: Box<[Shard]>,
    hasher: RandomState,
}

/// Clears a pending lease call however it ends (an answer, an error, or
/// the request dropped while it waited), and wakes the requests waiting
/// for it.
struct PendingGuard<'a> {
    limiter: &'a RateLimiter,
    key: Key,
    notify: Arc<Notify>,
}

impl Drop for PendingGuard<'_> {
    fn drop(&mut self) {
        let mut shard = self.limiter.shard(&self.key);
        if let Some(lease) = shard.get_mut(&self.key) {
            if lease
                .pending
                .as_ref()
                .is_some_and(|p| Arc::ptr_eq(p, &self.notify))
            {
                lease.pending = None;
            }
        }
        drop(shard);
        self.notify.notify_waiters();
    }
}

/// What a look at the local lease decided.
enum Local {
    /// Answered from the lease; with a lease call to make in the background
    /// (marked pending) when the lease is low.
    Decided(Decision, Option<Arc<Notify>>),
    /// A lease call is under way and the lease is empty: wait for it.
    Wait(tokio::sync::futures::OwnedNotified),
    /// The lease is empty: make a lease call (marked pending) and wait.
    Ask(Arc<Notify>),
}

/// Whom a lease call's tokens are for.
#[derive(Clone, Copy, PartialEq)]
enum Taker {
    /// The request that made it: one token is its own.
    Request,
    /// The lease, ahead of need: every token is added to it.
    Refill,
}

impl RateLimiter {
    /// A limiter with `rps` per second and `burst` at once per client (the
    /// admin budget is a twentieth of each, at least 1), or `None` when `rps`
    /// is 0 (off).
    pub fn new(master: Node, rps: u64, burst: u64) -> Option<Self> {
        if rps == 0 {
            return None;
        }
        let burst = burst.max(1);
        let api = Budget {
            rps: rps as f64,
            burst,
        };
        let admin = Budget {
            rps: (rps as f64 / 20.0).max(1.0),
            burst: (burst / 20).max(1),
        };
        Some(RateLimiter {
            master,
            api,
            admin,
            api_policy: policy_value(Class::Api, api),
            admin_policy: policy_value(Class::Admin, admin),
            resting_until_ms: AtomicU64::new(0),
            leases: (0..SHARDS)
                .map(|_| Mutex::new(HashMap::default()))
                .collect(),
            hasher: RandomState::new(),
        })
    }

    /// The budget of a class.
    fn budget(&self, class: Class) -> Budget {
        match class {
            Class::Api => self.api,
            Class::Admin => self.admin,
        }
    }

    /// The `RateLimit-Policy` header of a class, built once.
    pub fn policy_value(&self, class: Class) -> &HeaderValue {
        match class {
            Class::Api => &self.api_policy,
            Class::Admin => &self.admin_policy,
        }
    }

    fn key(&self, class: Class, ip: IpAddr) -> Key {
        Key {
            class,
            ip,
            hash: self.hasher.hash_one((class, ip)),
        }
    }

    /// The shard of a key, locked. Picked by the hash's high half: the
    /// table inside uses its low bits and its top seven.
    fn shard(
        &self,
        key: &Key,
    ) -> std::sync::MutexGuard<'_, HashMap<Key, Lease, BuildHasherDefault<Prehashed>>> {
        let index = (key.hash >> 32) as usize % self.leases.len();
        self.leases[index].lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Draws one request from `ip`'s budget of `class`: from this server's
    /// lease when it holds a token (answered at once, no Redis call; a low
    /// lease is refilled in the background), else from a new lease, in the
    /// future [`Check::Wait`] holds. The first look is synchronous so the
    /// hot path builds no future at all: a waiting request's state lives in
    /// its own allocation, not in every request's.
    pub fn check(self: &Arc<Self>, class: Class, ip: IpAddr) -> Check {
        let key = self.key(class, ip);
        match self.first_look(key, now_ms()) {
            Some(Local::Decided(decision, refill)) => {
                self.spawn_refill(key, refill);
                Check::Now(decision)
            }
            None => Check::Now(Decision::Unknown),
            Some(local) => Check::Wait(Box::pin(Arc::clone(self).check_slowly(key, local))),
        }
    }

    /// A look, unless the limiter rests after a failure.
    fn first_look(&self, key: Key, now: u64) -> Option<Local> {
        (now >= self.resting_until_ms.load(Ordering::Relaxed)).then(|| self.look(key, now))
    }

    /// Takes the next lease in the background when a look asked for it.
    fn spawn_refill(self: &Arc<Self>, key: Key, refill: Option<Arc<Notify>>) {
        if let Some(notify) = refill {
            let limiter = Arc::clone(self);
            tokio::spawn(async move {
                let _guard = PendingGuard {
                    limiter: &limiter,
                    key,
                    notify,
                };
                limiter.lease(key, Taker::Refill).await;
            });
        }
    }

    /// The rest of [`RateLimiter::check`] when the first look found no
    /// token: waits for a lease call (another request's, or its own), at
    /// most [`CHECK_TIMEOUT`] in all.
    async fn check_slowly(self: Arc<Self>, key: Key, first: Local) -> Decision {
        let deadline = tokio::time::Instant::now() + CHECK_TIMEOUT;
        let mut local = first;
        loop {
            match local {
                Local::Decided(decision, refill) => {
                    self.spawn_refill(key, refill);
                    return decision;
                }
                Local::Wait(lease_call) => {
                    if tokio::time::timeout_at(deadline, lease_call).await.is_err() {
                        return Decision::Unknown;
                    }
                }
                Local::Ask(notify) => {
                    let _guard = PendingGuard {
                        limiter: &self,
                        key,
                        notify,
                    };
                    return self.lease(key, Taker::Request).await;
                }
            }
            local = match self.first_look(key, now_ms()) {
                Some(next) => next,
                None => return Decision::Unknown,
            };
        }
    }

    /// Spends a local token (and marks a refill pending when the lease is
    /// low), or says to wait for a lease call under way, or to make one
    /// (marked pending here).
    fn look(&self, key: Key, now: u64) -> Local {
        let refill_at = refill_at(self.budget(key.class));
        let mut shard = self.shard(&key);
        if shard.len() >= SWEEP_AT && !shard.contains_key(&key) {
            shard.retain(|_, lease| lease.live(now));
        }
        let lease = shard.entry(key).or_default();
        if lease.tokens > 0 && now < lease.expires_ms {
            lease.tokens -= 1;
            let decision = Decision::Allowed {
                remaining: lease.remaining + lease.tokens,
                reset: Duration::from_millis(lease.reset_at_ms.saturating_sub(now)),
            };
            // Not while refused: the budget had nothing more to give.
            let refill = (lease.tokens <= refill_at
                && lease.pending.is_none()
                && now >= lease.refused_until_ms)
                .then(|| {
                    let notify = Arc::new(Notify::new());
                    lease.pending = Some(notify.clone());
                    notify
                });
            return Local::Decided(decision, refill);
        }
        if now < lease.refused_until_ms {
            return Local::Decided(
                Decision::Limited {
                    retry_after: Duration::from_millis(lease.refused_until_ms - now),
                },
                None,
            );
        }
        if let Some(pending) = &lease.pending {
            return Local::Wait(pending.clone().notified_owned());
        }
        let notify = Arc::new(Notify::new());
        lease.pending = Some(notify.clone());
        Local::Ask(notify)
    }

    /// One lease call: takes up to [`lease_size`] tokens (one of them for
    /// the request that made it, if one did) and keeps the rest, beside
    /// what is left of the lease, for the next requests.
    async fn lease(&self, key: Key, taker: Taker) -> Decision {
        let Key { class, ip, .. } = key;
        let budget = self.budget(class);
        let interval_us = (1_000_000.0 / budget.rps).round().max(1.0) as u64;
        let tolerance_us = interval_us * budget.burst;
        let mut invocation = LEASE.key(format!("{RATE_LIMIT_PREFIX}{}:{ip}", class.name()));
        invocation
            .arg(interval_us)
            .arg(tolerance_us)
            .arg(lease_size(budget));
        let call = self.master.script::<(u64, u64, u64, u64)>(&invocation);
        let answer = tokio::time::timeout(CHECK_TIMEOUT, call).await;
        let now = now_ms();
        let mut shard = self.shard(&key);
        let lease = shard.entry(key).or_default();
        match answer {
            Ok(Ok((0, _, retry_us, _))) => {
                // Tokens already held stay spendable until they expire.
                let retry_after = Duration::from_micros(retry_us);
                lease.refused_until_ms = now + retry_after.as_millis() as u64;
                Decision::Limited { retry_after }
            }
            Ok(Ok((granted, remaining, _, reset_us))) => {
                let reset = Duration::from_micros(reset_us);
                let kept = if now < lease.expires_ms {
                    lease.tokens
                } else {
                    0
                };
                let own = u64::from(taker == Taker::Request);
                lease.tokens = (kept + granted).saturating_sub(own);
                lease.remaining = remaining;
                lease.reset_at_ms = now + reset.as_millis() as u64;
                lease.expires_ms = now + LEASE_TTL.as_millis() as u64;
                lease.refused_until_ms = 0;
                Decision::Allowed {
                    remaining: remaining + lease.tokens,
                    reset,
                }
            }
            Ok(Err(_)) | Err(_) => {
                drop(shard);
                self.resting_until_ms.store(
                    now + REST_AFTER_FAILURE.as_millis() as u64,
                    Ordering::Relaxed,
                );
                Decision::Unknown
            }
        }
    }
}

/// [`policy_header`] as a header value whose bytes live as long as the
/// process (made once per limiter, a few dozen bytes): it is cloned onto
/// every allowed answer, and a clone of static bytes is a copy, where one
/// of shared bytes moves a reference count every worker thread writes.
/// Always valid: digits and a quoted class name.
fn policy_value(class: Class, budget: Budget) -> HeaderValue {
    let text: &'static str = Box::leak(policy_header(class, budget).into_boxed_str());
    HeaderValue::from_maybe_shared(bytes::Bytes::from_static(text.as_bytes()))
        .unwrap_or_else(|_| HeaderValue::from_static("\"api\""))
}

/// `RateLimit-Policy` for a budget (IETF draft "RateLimit header fields for
/// HTTP"): quota `q` per window `w` seconds.
pub fn policy_header(class: Class, budget: Budget) -> String {
    let window = (budget.burst as f64 / budget.rps).ceil().max(1.0) as u64;
    format!("\"{}\";q={};w={window}", class.name(), budget.burst)
}

/// `RateLimit` for an answer: `r` requests remaining, whole again in `t` s
/// (rounded up). Written on every allowed answer: into a stack buffer, one
/// allocation (the value's own), no formatting machinery.
pub fn state_value(class: Class, remaining: u64, reset: Duration) -> HeaderValue {
    let seconds = reset.as_secs() + u64::from(reset.subsec_nanos() > 0);
    // At most 58 bytes: a quoted class name (at most 10), two 20-digit
    // numbers and separators.
    let mut text = crate::stack_text::StackText::<64>::new();
    text.push(b"\"");
    text.push(class.name().as_bytes());
    text.push(b"\";r=");
    text.push_u64(remaining);
    text.push(b";t=");
    text.push_u64(seconds);
    // Always valid: a quoted lowercase name, digits and separators.
    HeaderValue::from_bytes(text.as_bytes()).unwrap_or_else(|_| HeaderValue::from_static("\"api\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leases_are_a_tenth_of_the_burst_within_bounds() {
        let lease = |burst| lease_size(Budget { rps: 100.0, burst });
        assert_eq!(lease(200), 20);
        assert_eq!(lease(19), 1, "small budgets are exact");
        assert_eq!(lease(1), 1);
        assert_eq!(lease(1_000_000), MAX_LEASE);
    }

    #[test]
    fn refills_start_at_half_a_lease_and_bound_what_is_held() {
        let budget = |burst| Budget { rps: 100.0, burst };
        assert_eq!(refill_at(budget(200)), 10);
        assert_eq!(most_held(budget(200)), 30);
        assert_eq!(refill_at(budget(19)), 0, "one-token leases ask per request");
        assert_eq!(most_held(budget(19)), 1);
    }

    #[test]
    fn headers_follow_the_draft() {
        let budget = Budget {
            rps: 100.0,
            burst: 200,
        };
        assert_eq!(policy_header(Class::Api, budget), "\"api\";q=200;w=2");
        assert_eq!(
            state_value(Class::Api, 150, Duration::from_millis(500)),
            "\"api\";r=150;t=1"
        );
        assert_eq!(
            state_value(Class::Admin, u64::MAX, Duration::from_secs(2)),
            "\"admin\";r=18446744073709551615;t=2"
        );
        assert_eq!(
            state_value(Class::Api, 0, Duration::ZERO),
            "\"api\";r=0;t=0"
        );
    }
}
