//! Estimates the playout delay a stream needs from packet arrival times.

use std::collections::VecDeque;

/// Width of one histogram bin in microseconds.
const BIN_US: i64 = 1000;
/// Number of bins: relative delays beyond 2 s land in the last bin.
const BINS: usize = 2048;

/// Tracks, over a sliding window of arrivals, the earliest arrival relative
/// to the sender's clock (the reference every delay is measured from) and a
/// histogram of each arrival's delay beyond that reference, from which a
/// quantile gives the target delay. Memory is fixed at construction.
#[derive(Debug, Clone)]
pub struct DelayEstimator {
    window: usize,
    arrivals: u64,
    /// Monotonic deque of (arrival index, offset) for the sliding minimum.
    minimum: VecDeque<(u64, i64)>,
    /// The histogram bin of each arrival in the window, oldest first.
    bins_in_window: VecDeque<u16>,
    histogram: Vec<u32>,
}

impl DelayEstimator {
    /// An estimator over the last `window` arrivals (at least 1).
    pub fn new(window: usize) -> DelayEstimator {
        let window = window.max(1);
        DelayEstimator {
            window,
            arrivals: 0,
            minimum: VecDeque::with_capacity(window + 1),
            bins_in_window: VecDeque::with_capacity(window + 1),
            histogram: vec![0; BINS],
        }
    }

    /// The reference offset (arrival time minus media time, in µs) of the
    /// earliest arrival in the window, if any arrived.
    pub fn reference(&self) -> Option<i64> {
        self.minimum.front().map(|&(_, offset)| offset)
    }

    /// Records one arrival whose `offset` is its arrival time minus its
    /// media time, in µs. Returns its delay beyond the reference.
    pub fn record(&mut self, offset: i64) -> i64 {
        let index = self.arrivals;
        self.arrivals += 1;
        while self.minimum.back().is_some_and(|&(_, o)| o >= offset) {
            self.minimum.pop_back();
        }
        self.minimum.push_back((index, offset));
        while self
            .minimum
            .front()
            .is_some_and(|&(i, _)| i + self.window as u64 <= index)
        {
            self.minimum.pop_front();
        }
        let reference = self.reference().unwrap_or(offset);
        let relative = offset - reference;
        let bin = (relative / BIN_US).clamp(0, BINS as i64 - 1) as u16;
        if self.bins_in_window.len() == self.window {
            if let Some(old) = self.bins_in_window.pop_front() {
                if let Some(count) = self.histogram.get_mut(usize::from(old)) {
                    *count = count.saturating_sub(1);
                }
            }
        }
        self.bins_in_window.push_back(bin);
        if let Some(count) = self.histogram.get_mut(usize::from(bin)) {
            *count += 1;
        }
        relative
    }

    /// The delay in µs that the fraction `quantile` of the arrivals in the
    /// window stayed within (rounded up to the bin), or 0 with no arrival.
    pub fn quantile(&self, quantile: f64) -> i64 {
        let total = self.bins_in_window.len() as f64;
        if total == 0.0 {
            return 0;
        }
        let needed = (total * quantile.clamp(0.0, 1.0)).ceil().max(1.0) as u64;
        let mut seen = 0u64;
        for (bin, &count) in self.histogram.iter().enumerate() {
            seen += u64::from(count);
            if seen >= needed {
                return (bin as i64 + 1) * BIN_US;
            }
        }
        BINS as i64 * BIN_US
    }

    /// Forgets the reference (after a timestamp jump or source change) but
    /// keeps the histogram of delays, which describes the network.
    pub fn reset_reference(&mut self) {
        self.minimum.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_follows_the_window() {
        let mut e = DelayEstimator::new(100);
        for i in 0..100 {
            // Offsets 10_000 + 0..99 ms: the reference is 10_000.
            e.record(10_000 + i * 1000);
        }
        assert_eq!(e.reference(), Some(10_000));
        assert_eq!(e.quantile(0.5), 50_000);
        assert_eq!(e.quantile(0.99), 99_000);
        // A hundred on-time arrivals push the late ones out of the window.
        for _ in 0..100 {
            e.record(10_000);
        }
        assert_eq!(e.quantile(0.99), 1000);
    }

    #[test]
    fn the_reference_slides_with_the_window() {
        let mut e = DelayEstimator::new(3);
        e.record(5);
        e.record(9);
        e.record(8);
        assert_eq!(e.reference(), Some(5));
        e.record(7);
        assert_eq!(e.reference(), Some(7));
    }
}
