//! A seeded lossy link: latency, jitter, loss, duplication and reordering,
//! plus a transcript of every datagram sent.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

/// How the link treats each datagram.
#[derive(Clone, Copy, Debug)]
pub struct LinkConfig {
    pub latency: Duration,
    /// Extra delay, uniform in [0, jitter].
    pub jitter: Duration,
    /// Probability a datagram is lost.
    pub loss: f64,
    /// Probability a datagram arrives twice.
    pub duplicate: f64,
    /// Probability a datagram is held back by 2-5 latencies (overtaken).
    pub reorder: f64,
}

impl LinkConfig {
    pub fn perfect(latency: Duration) -> LinkConfig {
        LinkConfig {
            latency,
            jitter: Duration::ZERO,
            loss: 0.0,
            duplicate: 0.0,
            reorder: 0.0,
        }
    }
}

/// One datagram as sent.
#[derive(Clone, Debug)]
pub struct Sent {
    pub at: Duration,
    pub from: SocketAddr,
    pub to: SocketAddr,
    pub data: Bytes,
    pub dropped: bool,
}

impl Sent {
    /// The start line.
    pub fn first_line(&self) -> String {
        let end = self
            .data
            .iter()
            .position(|b| *b == b'\r')
            .unwrap_or(self.data.len());
        String::from_utf8_lossy(&self.data[..end]).into_owned()
    }
}

/// A datagram in flight: delivery time, sequence (ties), from, to, bytes.
type InFlight = Reverse<(Instant, u64, SocketAddr, SocketAddr, Bytes)>;

pub struct Net {
    pub t0: Instant,
    rng: ChaCha8Rng,
    pub link: LinkConfig,
    seq: u64,
    in_flight: BinaryHeap<InFlight>,
    /// Addresses nobody answers from (their datagrams vanish).
    pub down: HashSet<SocketAddr>,
    pub transcript: Vec<Sent>,
    /// Drop the next datagrams whose start line begins with these prefixes
    /// (one drop per entry).
    pub drop_next: Vec<String>,
}

impl Net {
    pub fn new(t0: Instant, seed: u64, link: LinkConfig) -> Net {
        Net {
            t0,
            rng: ChaCha8Rng::seed_from_u64(seed),
            link,
            seq: 0,
            in_flight: BinaryHeap::new(),
            down: HashSet::new(),
            transcript: Vec::new(),
            drop_next: Vec::new(),
        }
    }

    fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && (self.rng.next_u64() as f64 / u64::MAX as f64) < p
    }

    fn delay(&mut self) -> Duration {
        let l = self.link;
        let jitter = if l.jitter.is_zero() {
            Duration::ZERO
        } else {
            l.jitter
                .mul_f64(self.rng.next_u64() as f64 / u64::MAX as f64)
        };
        let mut d = l.latency + jitter;
        if self.chance(l.reorder) {
            d += l.latency * (2 + (self.rng.next_u32() % 4));
        }
        d
    }

    pub fn send(&mut self, now: Instant, from: SocketAddr, to: SocketAddr, data: Bytes) {
        let line = {
            let end = data.iter().position(|b| *b == b'\r').unwrap_or(data.len());
            String::from_utf8_lossy(&data[..end]).into_owned()
        };
        let targeted = match self
            .drop_next
            .iter()
            .position(|p| line.starts_with(p.as_str()))
        {
            Some(i) => {
                self.drop_next.remove(i);
                true
            }
            None => false,
        };
        let dropped = targeted || self.down.contains(&to) || self.down.contains(&from) || {
            let loss = self.link.loss;
            self.chance(loss)
        };
        self.transcript.push(Sent {
            at: now - self.t0,
            from,
            to,
            data: data.clone(),
            dropped,
        });
        if dropped {
            return;
        }
        let copies = if self.chance(self.link.duplicate) {
            2
        } else {
            1
        };
        for _ in 0..copies {
            let at = now + self.delay();
            self.seq += 1;
            self.in_flight
                .push(Reverse((at, self.seq, from, to, data.clone())));
        }
    }

    pub fn next_delivery(&self) -> Option<Instant> {
        self.in_flight.peek().map(|Reverse((at, ..))| *at)
    }

    pub fn pop_due(&mut self, now: Instant) -> Option<(SocketAddr, SocketAddr, Bytes)> {
        let Reverse((at, ..)) = self.in_flight.peek()?;
        if *at > now {
            return None;
        }
        let Reverse((_, _, from, to, data)) = self.in_flight.pop()?;
        Some((from, to, data))
    }

    /// Datagrams sent by `from` whose start line begins with `prefix`.
    pub fn sent_by(&self, from: SocketAddr, prefix: &str) -> Vec<&Sent> {
        self.transcript
            .iter()
            .filter(|s| s.from == from && s.first_line().starts_with(prefix))
            .collect()
    }

    /// The transcript as text, for failure messages.
    pub fn dump(&self) -> String {
        self.transcript
            .iter()
            .map(|s| {
                format!(
                    "{:>10.3}s {} -> {} {}{}\n",
                    s.at.as_secs_f64(),
                    s.from,
                    s.to,
                    s.first_line(),
                    if s.dropped { "  (lost)" } else { "" }
                )
            })
            .collect()
    }
}
