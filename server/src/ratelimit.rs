//! Per-client rate limiting kept in Redis, so every server instance shares
//! one budget per client (Redis as a rate limiter, a classic use of it).
//!
//! GCRA (the generic cell rate algorithm): one key per client and class
//! holds the client's "theoretical arrival time"; one Lua script per request
//! reads it, decides and moves it, atomically, with Redis' own clock (so
//! instances with skewed clocks agree). A client may send `burst` requests at
//! once, then one every `1/rps` seconds.
//!
//! If Redis cannot answer within [`CHECK_TIMEOUT`], the request goes through
//! and is counted (fail open: the limiter protects the service, it must not
//! take it down); after a failure the limiter rests for [`REST_AFTER_FAILURE`]
//! so a dead Redis costs no time per request.

use crate::topology::Node;
use redis::Script;
use std::{
    net::IpAddr,
    sync::{
        atomic::{AtomicU64, Ordering},
        LazyLock,
    },
    time::Duration,
};

/// Longest a request waits for the limiter's answer.
pub const CHECK_TIMEOUT: Duration = Duration::from_millis(200);
/// How long the limiter is skipped after Redis failed to answer it.
pub const REST_AFTER_FAILURE: Duration = Duration::from_secs(1);

/// KEYS[1]: the client's key. ARGV: emission interval (µs), burst tolerance
/// (µs). Returns {allowed, remaining, retry_after_us, reset_us}.
static GCRA: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval, tolerance = tonumber(ARGV[1]), tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - tolerance
if now < allow_at then
  return {0, 0, allow_at - now, tat - now}
end
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil((new_tat - now) / 1000))
return {1, math.floor((now - allow_at) / interval), 0, new_tat - now}
"#,
    )
});

/// Prefix of every rate-limit key (they name client addresses: the key
/// browser shows them to nobody).
pub const RATE_LIMIT_PREFIX: &str = "ratelimit:";

/// Which budget a request draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// The rate limiter of one server instance.
pub struct RateLimiter {
    master: Node,
    api: Budget,
    admin: Budget,
    /// `RateLimit-Policy` of each class, made once (sent on every answer).
    api_policy: String,
    admin_policy: String,
    resting_until_ms: AtomicU64,
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
            api_policy: policy_header(Class::Api, api),
            admin_policy: policy_header(Class::Admin, admin),
            resting_until_ms: AtomicU64::new(0),
        })
    }

    /// The budget of a class.
    fn budget(&self, class: Class) -> Budget {
        match class {
            Class::Api => self.api,
            Class::Admin => self.admin,
        }
    }

    /// The `RateLimit-Policy` value of a class.
    pub fn policy(&self, class: Class) -> &str {
        match class {
            Class::Api => &self.api_policy,
            Class::Admin => &self.admin_policy,
        }
    }

    /// Draws one request from `ip`'s budget of `class`.
    pub async fn check(&self, class: Class, ip: IpAddr) -> Decision {
        let now = crate::topology::now_ms();
        if now < self.resting_until_ms.load(Ordering::Relaxed) {
            return Decision::Unknown;
        }
        let budget = self.budget(class);
        let interval_us = (1_000_000.0 / budget.rps).round().max(1.0) as u64;
        let tolerance_us = interval_us * budget.burst;
        let mut invocation = GCRA.key(format!("{RATE_LIMIT_PREFIX}{}:{ip}", class.name()));
        invocation.arg(interval_us).arg(tolerance_us);
        let call = self.master.script::<(u8, u64, u64, u64)>(&invocation);
        match tokio::time::timeout(CHECK_TIMEOUT, call).await {
            Ok(Ok((1, remaining, _, reset_us))) => Decision::Allowed {
                remaining,
                reset: Duration::from_micros(reset_us),
            },
            Ok(Ok((_, _, retry_us, _))) => Decision::Limited {
                retry_after: Duration::from_micros(retry_us),
            },
            Ok(Err(_)) | Err(_) => {
                self.resting_until_ms.store(
                    now + REST_AFTER_FAILURE.as_millis() as u64,
                    Ordering::Relaxed,
                );
                Decision::Unknown
            }
        }
    }
}

/// `RateLimit-Policy` for a budget (IETF draft "RateLimit header fields for
/// HTTP"): quota `q` per window `w` seconds.
pub fn policy_header(class: Class, budget: Budget) -> String {
    let window = (budget.burst as f64 / budget.rps).ceil().max(1.0) as u64;
    format!("\"{}\";q={};w={window}", class.name(), budget.burst)
}

/// `RateLimit` for an answer: `r` requests remaining, whole again in `t` s.
pub fn state_header(class: Class, remaining: u64, reset: Duration) -> String {
    format!(
        "\"{}\";r={remaining};t={}",
        class.name(),
        reset.as_secs_f64().ceil() as u64
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_follow_the_draft() {
        let budget = Budget {
            rps: 100.0,
            burst: 200,
        };
        assert_eq!(policy_header(Class::Api, budget), "\"api\";q=200;w=2");
        assert_eq!(
            state_header(Class::Api, 150, Duration::from_millis(500)),
            "\"api\";r=150;t=1"
        );
    }
}
