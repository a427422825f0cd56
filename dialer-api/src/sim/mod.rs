//! An embedded SIP trunk simulator (`trunkline sim-trunk`): a registrar with
//! digest authentication and a UAS that rings, answers with audio, is busy,
//! does not answer or is unavailable, as a seed and the dialed number decide.
//! It speaks real SIP and RTP over UDP, so the call engine, SIPp and the demo
//! can all talk to it.
//!
//! ```text
//!           SIP/UDP                   ┌───────── SimCore (sans-IO) ─────────┐
//!  caller ──────────▶ Driver (tokio) ─┤ transactions (sip-core), registrar, │
//!         ◀──────────                 │ digest auth, calls, outcome plan    │
//!           RTP/RTCP                  └────────────────────────────────────┘
//!  caller ◀═════════▶ media task per call (media::MediaSession):
//!                     greeting (formant synthesis), then echo
//! ```
//!
//! ```no_run
//! # async fn demo() -> Result<(), dialer_api::sim::SimError> {
//! use dialer_api::sim::{SimConfig, SimEvent, SimTrunk};
//! let mut trunk = SimTrunk::start(SimConfig::loopback()).await?;
//! println!("dial sip:+60123456789@{}", trunk.local_addr());
//! while let Some(event) = trunk.next_event().await {
//!     if let SimEvent::CallEnded(report) = &event {
//!         println!("{} ended: {:?}", report.number, report.end);
//!     }
//! }
//! # Ok(()) }
//! ```

mod config;
mod core;
mod driver;
mod error;
mod event;
mod greeting;
mod media;
mod outcome;
mod ports;

use std::net::SocketAddr;

use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

pub use self::core::{CoreOutput, SimCore};
pub use config::{Account, InviteAuth, PortRange, SimConfig, WrongPassword, parse_codec};
pub use error::{SimConfigError, SimError};
pub use event::{CallEnd, CallReport, MediaReport, SimEvent};
pub use greeting::{GREETING_RATE, greeting};
pub use outcome::{
    CallOutcome, NumberPattern, OutcomePlan, OutcomeRule, OutcomeWeights, Prediction,
    canonical_number,
};

/// A running simulator. Dropping it stops the simulator.
#[derive(Debug)]
pub struct SimTrunk {
    local_addr: SocketAddr,
    events: mpsc::UnboundedReceiver<SimEvent>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl SimTrunk {
    /// Binds the SIP socket and starts the simulator on the current tokio
    /// runtime. The first event is [`SimEvent::Listening`].
    pub async fn start(config: SimConfig) -> Result<SimTrunk, SimError> {
        config.validate()?;
        let socket = UdpSocket::bind(config.bind)
            .await
            .map_err(|source| SimError::Bind {
                addr: config.bind,
                source,
            })?;
        let local_addr = socket.local_addr().map_err(|source| SimError::Bind {
            addr: config.bind,
            source,
        })?;
        let (events_tx, events) = mpsc::unbounded_channel();
        let _ = events_tx.send(SimEvent::Listening { sip: local_addr });
        let (shutdown_tx, shutdown_rx) = oneshot::channel();
        let driver = driver::Driver::new(&config, socket, local_addr, events_tx);
        let task = tokio::spawn(driver.run(shutdown_rx));
        Ok(SimTrunk {
            local_addr,
            events,
            shutdown: Some(shutdown_tx),
            task: Some(task),
        })
    }

    /// The SIP address (the port chosen when bound to port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The next event; `None` once the simulator has stopped and every
    /// event was read.
    pub async fn next_event(&mut self) -> Option<SimEvent> {
        self.events.recv().await
    }

    /// The next event if one is waiting.
    pub fn try_next_event(&mut self) -> Option<SimEvent> {
        self.events.try_recv().ok()
    }

    /// Stops: BYE to answered calls, 480 to ringing ones, up to 2 s for the
    /// answers, then the sockets close. Events already produced can still be
    /// read afterwards with [`next_event`](Self::next_event).
    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SimTrunk {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
