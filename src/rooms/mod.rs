//! The runtime: drives the pure rules of [`crate::domain`] with real time,
//! real randomness and the storage traits. Nothing here knows about sockets;
//! transports feed commands in and send the returned messages out.

pub mod district;
pub mod duel;
pub mod ladder;
pub mod loader;
pub mod ratings;
pub mod solo;
pub mod views;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Wall-clock time in epoch milliseconds, for records. Game timing uses
/// monotonic `Instant`s; this is only what gets written down.
pub fn wall_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Mints ids for sets (and later matches) without asking the database, so
/// play can start while the database is slow or away. Layout: 41 bits of
/// milliseconds since 2025-01-01 (good until 2094), 10 bits of a per-process
/// random node tag, 12 bits of counter. Ids sort by time and do not collide
/// across nodes in practice.
/// 2025-01-01T00:00:00Z.
const ID_EPOCH_MS: i64 = 1_735_689_600_000;

pub struct IdMint {
    node: u64,
    counter: AtomicU64,
}

impl IdMint {
    pub fn new() -> IdMint {
        IdMint {
            node: rand::random::<u64>() & 0x3ff,
            counter: AtomicU64::new(0),
        }
    }

    pub fn next(&self) -> i64 {
        let n = self.counter.fetch_add(1, Ordering::Relaxed) & 0xfff;
        let ms = (wall_ms() - ID_EPOCH_MS).max(0) as u64 & ((1 << 41) - 1);
        ((ms << 22) | (self.node << 12) | n) as i64
    }
}

impl Default for IdMint {
    fn default() -> Self {
        IdMint::new()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn minted_ids_are_positive_and_unique_within_a_burst() {
        let mint = IdMint::new();
        let ids: HashSet<i64> = (0..4096).map(|_| mint.next()).collect();
        assert_eq!(ids.len(), 4096);
        assert!(ids.iter().all(|&id| id > 0));
    }
}
