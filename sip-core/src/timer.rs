//! Deadlines: a small table of timers keyed by an enum (one per state
//! machine), and an ordered index of the earliest deadline of many machines.
//!
//! Every deadline is an absolute [`Instant`] supplied by the caller; nothing
//! here reads a clock.

use std::collections::{BTreeSet, HashMap};
use std::hash::Hash;
use std::marker::PhantomData;
use std::time::{Duration, Instant};

/// `now + delay`, or `None` when that is past what an [`Instant`] can hold
/// (a caller-supplied `Duration::MAX`): such a deadline never comes.
pub(crate) fn deadline(now: Instant, delay: Duration) -> Option<Instant> {
    now.checked_add(delay)
}

/// An enum naming the timers of one state machine.
pub(crate) trait TimerKind: Copy + 'static {
    /// Every timer, in the order ties are broken (earlier wins).
    const ALL: &'static [Self];
    /// The slot of this timer, below `ALL.len()`.
    fn index(self) -> usize;
}

/// The armed timers of one state machine: one optional deadline per timer.
#[derive(Clone, Debug)]
pub(crate) struct TimerTable<T: TimerKind, const N: usize> {
    deadlines: [Option<Instant>; N],
    _kind: PhantomData<T>,
}

impl<T: TimerKind, const N: usize> Default for TimerTable<T, N> {
    fn default() -> Self {
        Self {
            deadlines: [None; N],
            _kind: PhantomData,
        }
    }
}

impl<T: TimerKind, const N: usize> TimerTable<T, N> {
    /// Arms `timer` to fire `delay` after `now`; a delay too long for an
    /// [`Instant`] disarms it (the deadline never comes).
    pub(crate) fn set_after(&mut self, timer: T, now: Instant, delay: Duration) {
        self.set_or_stop(timer, deadline(now, delay));
    }

    /// Arms `timer` at `at`, or disarms it when `at` is `None`.
    pub(crate) fn set_or_stop(&mut self, timer: T, at: Option<Instant>) {
        if let Some(slot) = self.deadlines.get_mut(timer.index()) {
            *slot = at;
        }
    }

    /// Disarms `timer`.
    pub(crate) fn stop(&mut self, timer: T) {
        if let Some(slot) = self.deadlines.get_mut(timer.index()) {
            *slot = None;
        }
    }

    /// When `timer` fires, if armed.
    pub(crate) fn get(&self, timer: T) -> Option<Instant> {
        self.deadlines.get(timer.index()).copied().flatten()
    }

    /// Disarms every timer.
    pub(crate) fn clear(&mut self) {
        self.deadlines = [None; N];
    }

    /// The earliest armed deadline.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.deadlines.iter().flatten().min().copied()
    }

    /// Disarms and returns the earliest timer due at `now` (ties go to the
    /// timer listed first in [`TimerKind::ALL`]).
    pub(crate) fn take_expired(&mut self, now: Instant) -> Option<T> {
        let mut best: Option<(Instant, T)> = None;
        for &t in T::ALL {
            if let Some(at) = self.get(t) {
                if at <= now && best.is_none_or(|(b, _)| at < b) {
                    best = Some((at, t));
                }
            }
        }
        let (_, t) = best?;
        self.stop(t);
        Some(t)
    }
}

/// The next deadline of each of many machines, ordered, so the earliest is
/// found in O(log n) and a machine's deadline is replaced exactly.
#[derive(Clone, Debug)]
pub(crate) struct DeadlineIndex<K: Ord + Copy + Hash> {
    order: BTreeSet<(Instant, K)>,
    current: HashMap<K, Instant>,
}

impl<K: Ord + Copy + Hash> Default for DeadlineIndex<K> {
    fn default() -> Self {
        Self {
            order: BTreeSet::new(),
            current: HashMap::new(),
        }
    }
}

impl<K: Ord + Copy + Hash> DeadlineIndex<K> {
    /// Records the next deadline of `key` (`None`: it has none).
    pub(crate) fn set(&mut self, key: K, deadline: Option<Instant>) {
        if let Some(old) = self.current.remove(&key) {
            self.order.remove(&(old, key));
        }
        if let Some(at) = deadline {
            self.current.insert(key, at);
            self.order.insert((at, key));
        }
    }

    /// The earliest deadline of all.
    pub(crate) fn first(&self) -> Option<Instant> {
        self.order.first().map(|(at, _)| *at)
    }

    /// Removes and returns a key whose deadline is due at `now`, earliest first.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<K> {
        let &(at, key) = self.order.first()?;
        if at > now {
            return None;
        }
        self.order.remove(&(at, key));
        self.current.remove(&key);
        Some(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum T {
        Stop,
        Again,
    }

    impl TimerKind for T {
        const ALL: &'static [T] = &[T::Stop, T::Again];
        fn index(self) -> usize {
            self as usize
        }
    }

    #[test]
    fn table_fires_earliest_and_breaks_ties_by_order() {
        let t0 = Instant::now();
        let mut table: TimerTable<T, 2> = TimerTable::default();
        assert_eq!(table.next_deadline(), None);
        table.set_after(T::Again, t0, Duration::from_secs(1));
        table.set_after(T::Stop, t0, Duration::from_secs(1));
        assert_eq!(table.next_deadline(), Some(t0 + Duration::from_secs(1)));
        assert_eq!(table.take_expired(t0), None);
        assert_eq!(
            table.take_expired(t0 + Duration::from_secs(2)),
            Some(T::Stop)
        );
        assert_eq!(
            table.take_expired(t0 + Duration::from_secs(2)),
            Some(T::Again)
        );
        assert_eq!(table.take_expired(t0 + Duration::from_secs(2)), None);
        table.set_or_stop(T::Again, Some(t0));
        assert_eq!(table.get(T::Again), Some(t0));
        table.clear();
        assert_eq!(table.get(T::Again), None);
    }

    #[test]
    fn index_replaces_deadlines() {
        let t0 = Instant::now();
        let s = Duration::from_secs(1);
        let mut idx = DeadlineIndex::default();
        idx.set(1u32, Some(t0 + 3 * s));
        idx.set(2u32, Some(t0 + 2 * s));
        idx.set(1u32, Some(t0 + s));
        assert_eq!(idx.first(), Some(t0 + s));
        assert_eq!(idx.pop_due(t0), None);
        assert_eq!(idx.pop_due(t0 + 5 * s), Some(1));
        idx.set(2, None);
        assert_eq!(idx.first(), None);
        assert_eq!(idx.pop_due(t0 + 5 * s), None);
    }
}
