//! Runs one endpoint and its peers over the simulated network, always
//! advancing the clock to the earliest deadline or delivery.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use sip_core::endpoint::{
    Account, CallEvent, CallHandle, Command, Endpoint, EndpointConfig, Event, Input, Output, Proxy,
    RegistrationEvent,
};

use super::net::{LinkConfig, Net};
use super::peer::Peer;

pub const EP: &str = "10.0.0.2:5060";
pub const PRIMARY: &str = "192.0.2.1:5060";
pub const SECONDARY: &str = "192.0.2.2:5060";

pub fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

pub fn account(proxies: &[(&str, &str)]) -> Account {
    Account {
        username: "dialer".into(),
        auth_username: None,
        password: "s3cret".into(),
        proxies: proxies
            .iter()
            .map(|(a, h)| Proxy::new(addr(a), *h))
            .collect(),
        display_name: Some("Trunkline Test".into()),
        caller_id: Some("+60123456789".into()),
    }
}

/// The default test configuration: two proxies, session timers on.
pub fn config() -> EndpointConfig {
    EndpointConfig::new(
        addr(EP),
        account(&[
            (PRIMARY, "sip1.example.com"),
            (SECONDARY, "sip2.example.com"),
        ]),
    )
}

pub struct Sim {
    pub t0: Instant,
    pub now: Instant,
    pub net: Net,
    pub ep: Endpoint,
    pub ep_addr: SocketAddr,
    pub events: Vec<(Duration, Event)>,
    pub peers: Vec<Peer>,
    ep_deadline: Option<Instant>,
    /// Steps taken without the clock moving (a stuck deadline loops forever).
    still: u32,
}

impl Sim {
    /// An endpoint with `config` and a peer at each proxy address.
    pub fn new(config: EndpointConfig, seed: u64, link: LinkConfig) -> Sim {
        let t0 = Instant::now();
        let ep_addr = config.local_addr;
        let peers = config
            .account
            .proxies
            .iter()
            .enumerate()
            .map(|(i, p)| Peer::new(p.addr, t0, seed.wrapping_add(100 + i as u64)))
            .collect();
        let ep = Endpoint::new(config, ChaCha8Rng::seed_from_u64(seed), t0).unwrap();
        let mut sim = Sim {
            t0,
            now: t0,
            net: Net::new(t0, seed.wrapping_add(7), link),
            ep,
            ep_addr,
            events: Vec::new(),
            peers,
            ep_deadline: None,
            still: 0,
        };
        sim.flush();
        sim
    }

    pub fn elapsed(&self) -> Duration {
        self.now - self.t0
    }

    pub fn peer(&mut self, a: &str) -> &mut Peer {
        let a = addr(a);
        self.peers.iter_mut().find(|p| p.addr == a).unwrap()
    }

    pub fn command(&mut self, command: Command) {
        let now = self.now;
        self.ep
            .handle_input(Input::Command { now, command })
            .unwrap();
        self.flush();
    }

    /// Moves every pending output into the network or the event log.
    pub fn flush(&mut self) {
        loop {
            match self.ep.poll_output() {
                Some(Output::Transmit(t)) => self.net.send(self.now, self.ep_addr, t.to, t.data),
                Some(Output::Event(e)) => self.events.push((self.now - self.t0, e)),
                Some(Output::Timeout(at)) => {
                    self.ep_deadline = Some(at);
                    break;
                }
                None => {
                    self.ep_deadline = None;
                    break;
                }
            }
        }
        for p in &mut self.peers {
            while let Some(t) = p.poll_transmit() {
                self.net.send(self.now, p.addr, t.to, t.data);
            }
        }
        // The endpoint's indexes never outgrow what they index.
        let stats = self.ep.stats();
        assert!(stats.dialogs <= stats.calls, "{stats:?}");
        assert!(stats.transaction_owners <= stats.transactions, "{stats:?}");
        assert!(stats.cached_challenges <= sip_core::auth::MAX_CACHED_CHALLENGES);
    }

    fn next_event_time(&self) -> Option<Instant> {
        [self.net.next_delivery(), self.ep_deadline]
            .into_iter()
            .chain(self.peers.iter().map(|p| p.next_timeout()))
            .flatten()
            .min()
    }

    /// One step: the earliest delivery or deadline, if not after `limit`.
    fn step(&mut self, limit: Instant) -> bool {
        let Some(next) = self.next_event_time() else {
            return false;
        };
        if next > limit {
            return false;
        }
        if next <= self.now {
            self.still += 1;
            assert!(
                self.still < 100_000,
                "no progress at {:?}\n{}",
                self.elapsed(),
                self.net.dump()
            );
        } else {
            self.still = 0;
        }
        self.now = self.now.max(next);
        let now = self.now;
        while let Some((from, to, data)) = self.net.pop_due(now) {
            self.deliver(from, to, data);
        }
        if self.ep_deadline.is_some_and(|d| d <= now) {
            self.ep.handle_input(Input::Timeout(now)).unwrap();
        }
        for p in &mut self.peers {
            if p.next_timeout().is_some_and(|d| d <= now) {
                p.handle_timeout(now);
            }
        }
        self.flush();
        true
    }

    fn deliver(&mut self, from: SocketAddr, to: SocketAddr, data: Bytes) {
        let now = self.now;
        if to == self.ep_addr {
            self.ep
                .handle_input(Input::Receive { now, from, data })
                .unwrap();
        } else if let Some(p) = self.peers.iter_mut().find(|p| p.addr == to) {
            p.receive(now, from, data);
        }
        self.flush();
    }

    /// Runs until `d` after the start.
    pub fn run_until(&mut self, d: Duration) {
        let limit = self.t0 + d;
        while self.step(limit) {}
        self.now = self.now.max(limit);
    }

    /// Runs for `d` more.
    pub fn run_for(&mut self, d: Duration) {
        let end = self.elapsed() + d;
        self.run_until(end);
    }

    /// Runs until an event matches (at most `max` more); returns its time.
    pub fn run_until_event(
        &mut self,
        max: Duration,
        mut f: impl FnMut(&Event) -> bool,
    ) -> Option<Duration> {
        let seen = self.events.len();
        let limit = self.now + max;
        loop {
            if let Some((t, _)) = self.events[seen..].iter().find(|(_, e)| f(e)) {
                return Some(*t);
            }
            if !self.step(limit) {
                return None;
            }
        }
    }

    pub fn registration_events(&self) -> Vec<(Duration, RegistrationEvent)> {
        self.events
            .iter()
            .filter_map(|(t, e)| match e {
                Event::Registration(r) => Some((*t, r.clone())),
                _ => None,
            })
            .collect()
    }

    pub fn call_events(&self, call: CallHandle) -> Vec<(Duration, CallEvent)> {
        self.events
            .iter()
            .filter_map(|(t, e)| match e {
                Event::Call { call: c, event } if *c == call => Some((*t, event.clone())),
                _ => None,
            })
            .collect()
    }

    /// The call's events without times, for matching.
    pub fn call_event_kinds(&self, call: CallHandle) -> Vec<String> {
        self.call_events(call)
            .into_iter()
            .map(|(_, e)| match e {
                CallEvent::Progress { status, .. } => format!("progress {status}"),
                CallEvent::EarlyMedia(_) => "early media".into(),
                CallEvent::Answered(_) => "answered".into(),
                CallEvent::MediaChanged(_) => "media changed".into(),
                CallEvent::Ended(end) => format!("ended: {end}"),
            })
            .collect()
    }
}
