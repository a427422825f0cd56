//! The tokio side of the simulator: one SIP UDP socket, the core's timers,
//! the RTP sockets and media tasks of each call.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot};

use super::config::SimConfig;
use super::core::{CoreOutput, SimCore};
use super::event::{CallReport, SimEvent};
use super::greeting::greeting;
use super::media::{self, MediaHandle};
use super::ports::{MediaSockets, PortAllocator};

/// How long calls get to end (BYE answered) after a shutdown request.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// A call's media: sockets opened, or audio running.
enum MediaSlot {
    Opened(MediaSockets),
    Running { handle: MediaHandle, codec: String },
}

pub(super) struct Driver {
    pub(super) socket: UdpSocket,
    pub(super) core: SimCore,
    pub(super) events: mpsc::UnboundedSender<SimEvent>,
    media: HashMap<String, MediaSlot>,
    ports: PortAllocator,
    greeting: Option<Arc<Vec<i16>>>,
    seed: u64,
    calls_started: u64,
}

impl Driver {
    pub(super) fn new(
        config: &SimConfig,
        socket: UdpSocket,
        local: SocketAddr,
        events: mpsc::UnboundedSender<SimEvent>,
    ) -> Driver {
        let greeting = (!config.greeting.is_zero()).then(|| Arc::new(greeting(config.greeting)));
        Driver {
            socket,
            core: SimCore::new(config.clone(), local),
            events,
            media: HashMap::new(),
            ports: PortAllocator::new(config.bind.ip(), config.rtp_ports),
            greeting,
            seed: config.plan.seed,
            calls_started: 0,
        }
    }

    /// Runs until `shutdown` fires (or its sender is dropped).
    pub(super) async fn run(mut self, mut shutdown: oneshot::Receiver<()>) {
        let mut buf = vec![0u8; 65_536];
        let mut closing: Option<tokio::time::Instant> = None;
        loop {
            if closing.is_some_and(|until| {
                self.core.active_calls() == 0 || tokio::time::Instant::now() >= until
            }) {
                break;
            }
            let wake = self
                .core
                .poll_timeout()
                .map(tokio::time::Instant::from_std)
                .into_iter()
                .chain(closing)
                .min()
                .unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(3600));
            tokio::select! {
                _ = &mut shutdown, if closing.is_none() => {
                    closing = Some(tokio::time::Instant::now() + SHUTDOWN_GRACE);
                    self.core.shutdown(Instant::now());
                }
                r = self.socket.recv_from(&mut buf) => match r {
                    Ok((n, from)) => {
                        let data = Bytes::copy_from_slice(buf.get(..n).unwrap_or_default());
                        self.core.handle_datagram(Instant::now(), from, data);
                    }
                    // ICMP port unreachable from an earlier send shows up here.
                    Err(_) => continue,
                },
                () = tokio::time::sleep_until(wake) => self.core.handle_timeout(Instant::now()),
            }
            self.drain().await;
        }
        for (_, slot) in self.media.drain() {
            if let MediaSlot::Running { handle, codec } = slot {
                handle.finish(&codec).await;
            }
        }
    }

    async fn drain(&mut self) {
        while let Some(output) = self.core.poll_output() {
            match output {
                CoreOutput::Transmit { to, data } => {
                    let _ = self.socket.send_to(&data, to).await;
                }
                CoreOutput::Event(e) => {
                    let _ = self.events.send(e);
                }
                CoreOutput::OpenMedia { call_id } => {
                    let opened = self.ports.open().await;
                    let port = opened
                        .as_ref()
                        .map(MediaSockets::port)
                        .map_err(ToString::to_string);
                    if let Ok(sockets) = opened {
                        self.media
                            .insert(call_id.clone(), MediaSlot::Opened(sockets));
                    }
                    if !self.core.media_opened(Instant::now(), &call_id, port) {
                        self.media.remove(&call_id);
                    }
                }
                CoreOutput::StartMedia { call_id, config } => {
                    let Some(MediaSlot::Opened(sockets)) = self.media.remove(&call_id) else {
                        continue;
                    };
                    self.calls_started += 1;
                    let seed = self
                        .seed
                        .wrapping_mul(0x9e37_79b9)
                        .wrapping_add(self.calls_started);
                    let codec = config.codec.encoding_name().to_owned();
                    match media::spawn(sockets, *config, self.greeting.clone(), seed) {
                        Ok(handle) => {
                            self.media
                                .insert(call_id, MediaSlot::Running { handle, codec });
                        }
                        Err(e) => {
                            let _ = self.events.send(SimEvent::Error {
                                message: format!("call {call_id}: media: {e}"),
                            });
                        }
                    }
                }
                CoreOutput::UpdateMedia {
                    call_id,
                    remote_rtp,
                    remote_rtcp,
                } => {
                    if let Some(MediaSlot::Running { handle, .. }) = self.media.get(&call_id) {
                        handle.update(remote_rtp, remote_rtcp);
                    }
                }
                CoreOutput::EndCall(report) => self.end_call(report).await,
            }
        }
    }

    async fn end_call(&mut self, mut report: CallReport) {
        if let Some(MediaSlot::Running { handle, codec }) = self.media.remove(&report.call_id) {
            report.media = Some(handle.finish(&codec).await);
        }
        let _ = self.events.send(SimEvent::CallEnded(report));
    }
}
