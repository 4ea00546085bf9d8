//! The node's own deterministic random number generator.
//!
//! Raft needs randomness in exactly one place: the election timeout, drawn from
//! `[election_tick, 2 * election_tick - 1]` so that followers rarely time out together. etcd draws
//! it from `crypto/rand`; we draw it from a generator seeded by `Config::seed`, so that the same
//! seed and the same inputs replay the same run bit for bit (the simulator depends on this).
//!
//! The generator is SplitMix64: tiny state, good statistical quality for this purpose, and no
//! dependency. It is not cryptographic and does not need to be.

/// A seeded SplitMix64 generator.
#[derive(Clone, Debug)]
pub(crate) struct Rng {
    state: u64,
}

impl Rng {
    /// A generator whose sequence is fully determined by `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        Rng { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `[0, n)`; `n` must be positive. Uses rejection sampling so every value is
    /// equally likely.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        debug_assert!(n > 0, "below(0)");
        let n = n.max(1) as u64;
        // Reject the top partial bucket so the modulo is unbiased.
        let zone = u64::MAX - (u64::MAX % n);
        loop {
            let v = self.next_u64();
            if v < zone {
                return (v % n) as usize;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn same_seed_same_sequence() {
        let mut a = Rng::new(42);
        let mut b = Rng::new(42);
        for _ in 0..100 {
            assert_eq!(a.below(1000), b.below(1000));
        }
    }

    #[test]
    fn different_seeds_differ() {
        let mut a = Rng::new(1);
        let mut b = Rng::new(2);
        let sa: Vec<usize> = (0..20).map(|_| a.below(1 << 20)).collect();
        let sb: Vec<usize> = (0..20).map(|_| b.below(1 << 20)).collect();
        assert_ne!(sa, sb);
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut r = Rng::new(7);
        let mut seen = [false; 10];
        for _ in 0..1000 {
            let v = r.below(10);
            assert!(v < 10);
            seen[v] = true;
        }
        assert!(
            seen.iter().all(|s| *s),
            "every value in [0, 10) should appear: {seen:?}"
        );
    }
}
