//! What every criterion benchmark here shares.

use std::time::Duration;

use criterion::Criterion;

/// Short runs without plots: enough for medians on a noisy machine, and
/// `cargo bench` over all four files stays within a few minutes.
pub fn criterion() -> Criterion {
    Criterion::default()
        .without_plots()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(1500))
}
