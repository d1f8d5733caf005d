//! A log-linear latency histogram (8 linear sub-buckets per power of two,
//! about 12% precision) whose buckets merge by addition, so every server
//! instance can add its counts to shared Redis hashes with `HINCRBY`.

use app::types::LatencySummary;
use std::collections::BTreeMap;

/// Values below this get one bucket each.
const LINEAR: u64 = 16;

/// The bucket a value (µs) falls in.
pub fn bucket(value: u64) -> u32 {
    if value < LINEAR {
        return value as u32;
    }
    let exp = 63 - value.leading_zeros(); // >= 4
    let sub = (value >> (exp - 3)) & 7;
    LINEAR as u32 + (exp - 4) * 8 + sub as u32
}

/// The value that stands for a bucket: the middle of its range.
pub fn representative(bucket: u32) -> u64 {
    if u64::from(bucket) < LINEAR {
        return u64::from(bucket);
    }
    let exp = (bucket - LINEAR as u32) / 8 + 4;
    let sub = u64::from((bucket - LINEAR as u32) % 8);
    let width = 1u64 << (exp - 3);
    (8 + sub) * width + width / 2
}

/// Percentiles of a histogram given as bucket → count.
pub fn summarize(counts: &BTreeMap<u32, u64>) -> LatencySummary {
    let total: u64 = counts.values().sum();
    let at = |q: f64| -> u64 {
        if total == 0 {
            return 0;
        }
        let rank = ((q * total as f64).ceil() as u64).clamp(1, total);
        let mut seen = 0;
        for (bucket, count) in counts {
            seen += count;
            if seen >= rank {
                return representative(*bucket);
            }
        }
        0
    };
    LatencySummary {
        p50: at(0.50),
        p95: at(0.95),
        p99: at(0.99),
        count: total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_ordered_and_close_to_the_value() {
        let mut last = 0;
        for v in [
            0u64, 1, 15, 16, 17, 100, 1_000, 65_535, 1_000_000, 60_000_000,
        ] {
            let b = bucket(v);
            assert!(b >= last, "monotonic at {v}");
            last = b;
            let r = representative(b) as f64;
            assert!((r - v as f64).abs() <= v as f64 * 0.07 + 1.0, "{v} ~ {r}");
        }
    }

    #[test]
    fn percentiles_of_a_known_distribution() {
        let mut counts = BTreeMap::new();
        for v in 1..=100u64 {
            *counts.entry(bucket(v * 100)).or_insert(0) += 1;
        }
        let s = summarize(&counts);
        assert_eq!(s.count, 100);
        assert!((4_600..=5_400).contains(&s.p50), "{s:?}");
        assert!((9_000..=10_000).contains(&s.p95), "{s:?}");
        assert!((9_400..=10_500).contains(&s.p99), "{s:?}");
        assert_eq!(summarize(&BTreeMap::new()), LatencySummary::default());
    }
}
