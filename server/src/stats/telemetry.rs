//! The app's own counters for `/metrics` (`cachescope_*`): lookups by source
//! and outcome, their latency histogram, throttled requests, rate-limit
//! checks let through, cache fills that failed. Updated on the request path
//! with atomic adds only; `metrics::prometheus` renders them.

use app::types::Source;
use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{
        counter::Counter,
        family::Family,
        histogram::{exponential_buckets, Histogram},
    },
    registry::Registry,
};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LookupLabels {
    source: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SourceLabels {
    source: &'static str,
}

/// The app's own counters, updated on the request path (atomic adds only).
pub struct Telemetry {
    lookups: Family<LookupLabels, Counter>,
    latency: Family<SourceLabels, Histogram, fn() -> Histogram>,
    throttled: Counter,
    limiter_bypassed: Counter,
    fill_failures: Counter,
    /// The near tier's series, looked up once: a near hit must not hash
    /// label sets (handles share the family's atomics).
    near: NearSeries,
}

struct NearSeries {
    found: Counter,
    not_found: Counter,
    latency: Histogram,
}

fn latency_histogram() -> Histogram {
    // 25 µs .. ~0.8 s, doubling.
    Histogram::new(exponential_buckets(0.000_025, 2.0, 16))
}

impl Default for Telemetry {
    fn default() -> Self {
        let lookups: Family<LookupLabels, Counter> = Family::default();
        let latency: Family<SourceLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(latency_histogram);
        let count = |outcome| {
            lookups
                .get_or_create(&LookupLabels {
                    source: "near",
                    outcome,
                })
                .clone()
        };
        let near = NearSeries {
            found: count("found"),
            not_found: count("not_found"),
            latency: latency
                .get_or_create(&SourceLabels { source: "near" })
                .clone(),
        };
        Telemetry {
            lookups,
            latency,
            throttled: Counter::default(),
            limiter_bypassed: Counter::default(),
            fill_failures: Counter::default(),
            near,
        }
    }
}

fn source_name(source: Source) -> &'static str {
    match source {
        Source::Near => "near",
        Source::Cache => "cache",
        Source::Database => "database",
    }
}

impl Telemetry {
    /// One lookup: where it was answered from, whether the product or search
    /// was found, and how long it took.
    pub fn lookup(&self, source: Source, found: bool, elapsed_us: u64) {
        if source == Source::Near {
            let count = if found {
                &self.near.found
            } else {
                &self.near.not_found
            };
            count.inc();
            self.near.latency.observe(elapsed_us as f64 / 1e6);
            return;
        }
        let source = source_name(source);
        let outcome = if found { "found" } else { "not_found" };
        self.lookups
            .get_or_create(&LookupLabels { source, outcome })
            .inc();
        self.latency
            .get_or_create(&SourceLabels { source })
            .observe(elapsed_us as f64 / 1e6);
    }

    /// A request refused by the rate limiter.
    pub fn throttled(&self) {
        self.throttled.inc();
    }

    /// A request let through because the rate limiter could not ask Redis.
    pub fn limiter_bypassed(&self) {
        self.limiter_bypassed.inc();
    }

    /// A cache write that failed after a good database read.
    pub fn fill_failed(&self) {
        self.fill_failures.inc();
    }

    /// Adds these series to a scrape's registry.
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "cachescope_lookups",
            "Lookups (by id and search) by where they were answered from and outcome",
            self.lookups.clone(),
        );
        registry.register(
            "cachescope_lookup_duration_seconds",
            "Server-side lookup time by source",
            self.latency.clone(),
        );
        registry.register(
            "cachescope_throttled_requests",
            "Requests refused by the rate limiter (429)",
            self.throttled.clone(),
        );
        registry.register(
            "cachescope_ratelimit_bypassed_requests",
            "Requests let through because the rate limiter could not ask Redis",
            self.limiter_bypassed.clone(),
        );
        registry.register(
            "cachescope_cache_fill_failures",
            "Cache writes that failed after a good database read (answered anyway)",
            self.fill_failures.clone(),
        );
    }
}
