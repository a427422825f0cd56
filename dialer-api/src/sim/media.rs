//! The audio of one answered call: a task that plays the greeting, then
//! echoes what the caller says, at a steady 20 ms cadence with RTCP, through
//! a `media::MediaSession` on the call's RTP/RTCP socket pair.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use media::{FrameKind, MediaConfig, MediaEvent, MediaSession, SocketKind};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::event::MediaReport;
use super::greeting::GREETING_RATE;
use super::ports::MediaSockets;

/// The mark placed after the greeting.
const GREETING_MARK: &str = "greeting";

/// Controls a running media task.
#[derive(Debug)]
pub(super) struct MediaHandle {
    stop: Option<oneshot::Sender<()>>,
    update: mpsc::UnboundedSender<(SocketAddr, Option<SocketAddr>)>,
    task: JoinHandle<MediaReport>,
}

impl MediaHandle {
    /// Points the stream at a new remote address (re-INVITE).
    pub(super) fn update(&self, rtp: SocketAddr, rtcp: Option<SocketAddr>) {
        let _ = self.update.send((rtp, rtcp));
    }

    /// Stops the task (sending RTCP BYE) and returns its figures.
    pub(super) async fn finish(mut self, codec: &str) -> MediaReport {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.await.unwrap_or_else(|_| MediaReport {
            codec: codec.to_owned(),
            packets_sent: 0,
            packets_received: 0,
            packets_lost: 0,
            jitter_ms: 0.0,
            mos: 0.0,
            rtcp_received: 0,
            max_send_gap_ms: 0.0,
            greeting_played: false,
            echoed_frames: 0,
        })
    }
}

/// Starts the audio of a call on `sockets`.
pub(super) fn spawn(
    sockets: MediaSockets,
    config: MediaConfig,
    greeting: Option<Arc<Vec<i16>>>,
    seed: u64,
) -> Result<MediaHandle, media::MediaError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let session = MediaSession::new(config.clone(), &mut rng, Instant::now())?;
    let (stop_tx, stop_rx) = oneshot::channel();
    let (update_tx, update_rx) = mpsc::unbounded_channel();
    let task = tokio::spawn(
        MediaLoop {
            sockets,
            session,
            codec: config.codec.encoding_name(),
            greeting_played: greeting.is_none(),
            echoed_frames: 0,
            rtcp_received: 0,
            last_send: None,
            max_send_gap: Duration::ZERO,
        }
        .run(greeting, stop_rx, update_rx),
    );
    Ok(MediaHandle {
        stop: Some(stop_tx),
        update: update_tx,
        task,
    })
}

struct MediaLoop {
    sockets: MediaSockets,
    session: MediaSession,
    codec: &'static str,
    greeting_played: bool,
    echoed_frames: u64,
    rtcp_received: u64,
    last_send: Option<Instant>,
    max_send_gap: Duration,
}

impl MediaLoop {
    async fn run(
        mut self,
        greeting: Option<Arc<Vec<i16>>>,
        mut stop: oneshot::Receiver<()>,
        mut update: mpsc::UnboundedReceiver<(SocketAddr, Option<SocketAddr>)>,
    ) -> MediaReport {
        if let Some(pcm) = greeting {
            if self.session.queue_outbound(&pcm, GREETING_RATE).is_err()
                || self.session.mark(GREETING_MARK).is_err()
            {
                self.greeting_played = true;
            }
        }
        let mut rtp_buf = vec![0u8; 2048];
        let mut rtcp_buf = vec![0u8; 2048];
        loop {
            let deadline = self.session.poll_timeout().map_or_else(
                || tokio::time::Instant::now() + Duration::from_secs(1),
                tokio::time::Instant::from_std,
            );
            tokio::select! {
                biased;
                _ = &mut stop => break,
                Some((rtp, rtcp)) = update.recv() => self.session.set_remote(rtp, rtcp),
                () = tokio::time::sleep_until(deadline) => self.session.handle_timeout(Instant::now()),
                r = self.sockets.rtp.recv_from(&mut rtp_buf) => {
                    if let Ok((n, from)) = r {
                        let data = Bytes::copy_from_slice(rtp_buf.get(..n).unwrap_or_default());
                        self.session.handle_rtp(Instant::now(), from, data);
                    }
                }
                r = self.sockets.rtcp.recv_from(&mut rtcp_buf) => {
                    if let Ok((n, from)) = r {
                        self.rtcp_received += 1;
                        let data = Bytes::copy_from_slice(rtcp_buf.get(..n).unwrap_or_default());
                        self.session.handle_rtcp(Instant::now(), from, data);
                    }
                }
            }
            self.drain().await;
        }
        self.session.close(Instant::now());
        self.drain().await;
        self.report()
    }

    async fn drain(&mut self) {
        while let Some(t) = self.session.poll_transmit() {
            let socket = match t.socket {
                SocketKind::Rtp => {
                    let now = Instant::now();
                    if let Some(last) = self.last_send {
                        self.max_send_gap = self.max_send_gap.max(now - last);
                    }
                    self.last_send = Some(now);
                    &self.sockets.rtp
                }
                SocketKind::Rtcp => &self.sockets.rtcp,
            };
            // A caller that went away makes sends fail (ICMP unreachable);
            // the call ends through signalling.
            let _ = socket.send_to(&t.payload, t.to).await;
        }
        while let Some(event) = self.session.poll_event() {
            if let MediaEvent::MarkDone { name, .. } = event {
                if name == GREETING_MARK {
                    self.greeting_played = true;
                }
            }
        }
        while let Some(frame) = self.session.poll_inbound_frame() {
            let heard = matches!(
                frame.kind,
                FrameKind::Audio | FrameKind::Compressed | FrameKind::Concealed
            );
            if self.greeting_played
                && heard
                && self.session.queue_outbound(&frame.samples, 8000).is_ok()
            {
                self.echoed_frames += 1;
            }
        }
    }

    fn report(&self) -> MediaReport {
        let stats = self.session.stats();
        MediaReport {
            codec: self.codec.to_owned(),
            packets_sent: stats.packets_sent,
            packets_received: stats.packets_received,
            packets_lost: stats.packets_lost,
            jitter_ms: stats.jitter.as_secs_f64() * 1000.0,
            mos: stats.mos,
            rtcp_received: self.rtcp_received,
            max_send_gap_ms: self.max_send_gap.as_secs_f64() * 1000.0,
            greeting_played: self.greeting_played,
            echoed_frames: self.echoed_frames,
        }
    }
}
