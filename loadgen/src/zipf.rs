//! Zipf-distributed ids: rank k (1-based) is drawn with probability
//! proportional to 1 / k^s, by binary search in a precomputed CDF.

/// A sampler over ranks 1..=n.
pub struct Zipf {
    cdf: Vec<f64>,
}

impl Zipf {
    /// Precomputes the CDF (8 bytes per rank).
    pub fn new(n: u64, s: f64) -> Self {
        let mut cdf = Vec::with_capacity(n as usize);
        let mut sum = 0.0;
        for k in 1..=n {
            sum += 1.0 / (k as f64).powf(s);
            cdf.push(sum);
        }
        for value in &mut cdf {
            *value /= sum;
        }
        Zipf { cdf }
    }

    /// Draws a rank in 1..=n.
    pub fn sample(&self, rng: &mut u64) -> u64 {
        let u = next_f64(rng);
        self.cdf.partition_point(|&c| c < u) as u64 + 1
    }
}

/// A per-worker seed (xorshift state, never zero).
pub fn seed(worker: u64) -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1);
    (nanos ^ worker.wrapping_mul(0x9E37_79B9_7F4A_7C15)) | 1
}

/// Uniform in [0, 1) from a xorshift64 state.
fn next_f64(state: &mut u64) -> f64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    (*state >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn low_ranks_are_hot_and_all_ranks_are_reachable() {
        let zipf = Zipf::new(100, 1.1);
        let mut rng = 42;
        let mut counts = [0u32; 101];
        for _ in 0..100_000 {
            let k = zipf.sample(&mut rng);
            assert!((1..=100).contains(&k));
            counts[k as usize] += 1;
        }
        assert!(counts[1] > counts[2] && counts[2] > counts[10] && counts[10] > counts[100]);
        // Rank 1 gets 1 / H(100, 1.1) ≈ 23% of draws.
        assert!((20_000..26_000).contains(&counts[1]), "{}", counts[1]);
    }
}
