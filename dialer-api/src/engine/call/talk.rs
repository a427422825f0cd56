//! The answered phase of a call: the media session driven by its own
//! deadlines (a 20 ms tick), RTP and RTCP in and out, the handler bridged
//! both ways, and every way the call can end.
//!
//! ```text
//!  RTP/RTCP socket ─▶ MediaSession ─▶ inbound frame every 20 ms ─▶ Bridge::send_audio
//!                                   ─▶ DTMF ─▶ Bridge::send_dtmf
//!                                   ─▶ MarkDone (played or cleared) ─▶ Bridge::mark_played
//!                                   ─▶ NoMedia ─▶ BYE ("no audio", unless on hold)
//!  handler: audio ─▶ queue_outbound · mark ─▶ mark · clear ─▶ clear · hung up ─▶ BYE
//!  SIP: re-INVITE (hold, new address) ─▶ set_remote · BYE ─▶ end
//!  max duration, Engine::hangup ─▶ BYE
//! ```

use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use media::{MediaConfig, MediaEvent, MediaSession, SocketKind};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use sip_core::endpoint::{CallEnd, CallEvent};
use sip_core::sdp::NegotiatedMedia;

use super::{CallRequest, Dialog, elapsed_ms};
use crate::engine::ports::RtpPorts;
use crate::handler::{Bridge, HandlerEvent, HandlerEvents};
use crate::scheduler::{HangupBy, ProgressState};

/// A deadline that never comes in practice (a year).
const FAR_FUTURE: Duration = Duration::from_secs(86_400 * 365);

/// Seconds from 1900 (NTP) to 1970 (Unix).
const NTP_UNIX_OFFSET: u64 = 2_208_988_800;

/// The 64-bit NTP time now, for RTCP sender reports.
fn ntp_now() -> u64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = since.as_secs().wrapping_add(NTP_UNIX_OFFSET);
    let frac = (u64::from(since.subsec_nanos()) << 32) / 1_000_000_000;
    (secs << 32) | frac
}

/// A media session for what the answer agreed.
fn media_session(negotiated: &NegotiatedMedia, no_audio: Duration) -> Result<MediaSession, String> {
    let codec = codecs::Codec::from_rtpmap(&negotiated.codec.name, negotiated.codec.clock_rate)
        .ok_or_else(|| format!("no audio: codec {} is not supported", negotiated.codec.name))?;
    let mut config = MediaConfig::new(codec, negotiated.remote_rtp);
    config.payload_type = negotiated.codec.payload_type;
    config.dtmf_payload_type = negotiated.dtmf_payload_type;
    config.remote_rtcp = negotiated.remote_rtcp;
    config.ptime = MediaConfig::ptime_for(codec, negotiated.ptime);
    config.inactivity_timeout = no_audio;
    config.ntp_at_start = ntp_now();
    let mut rng = ChaCha8Rng::from_rng(&mut rand::rng());
    MediaSession::new(config, &mut rng, Instant::now())
        .map_err(|e| format!("no audio: cannot start media: {e}"))
}

/// State of the answered phase besides the dialog.
struct Talk {
    session: Option<MediaSession>,
    closed: bool,
    on_hold: bool,
    /// `NoMedia` came while on hold: check again once the hold ends.
    silence_on_hold: bool,
    /// Hang up for no audio at this time unless RTP resumes (after a hold).
    no_audio_deadline: Option<Instant>,
    no_audio: Duration,
    /// When the call stopped for us (our BYE, or theirs).
    ended_at: Option<Instant>,
    /// Give up waiting for the end of our BYE at this time.
    bye_deadline: Option<Instant>,
    bye_wait: Duration,
}

/// Runs an answered call until it ends, then fills the report.
pub(super) async fn talk(
    dialog: &mut Dialog,
    req: &CallRequest,
    ports: &RtpPorts,
    bridge: &Bridge,
    handler_events: &mut HandlerEvents,
    negotiated: NegotiatedMedia,
) {
    let answered_at = Instant::now();
    dialog.report.answer_ms = Some(elapsed_ms(dialog.invited_at));
    dialog.report.codec = Some(negotiated.codec.name.clone());
    if bridge.start(req.metadata.clone()).is_err() {
        dialog.hang_up(HangupBy::Handler, None);
    }
    dialog.progress(ProgressState::InProgress);
    let no_audio = dialog.inner.settings.no_audio_timeout;
    let mut talk = Talk {
        session: None,
        closed: false,
        on_hold: negotiated.remote_hold,
        silence_on_hold: false,
        no_audio_deadline: None,
        no_audio,
        ended_at: None,
        bye_deadline: None,
        bye_wait: dialog.inner.settings.sip_t1 * 64 + Duration::from_secs(1),
    };
    match media_session(&negotiated, no_audio) {
        Ok(s) => talk.session = Some(s),
        Err(why) => dialog.hang_up(HangupBy::Trunkline, Some(why)),
    }
    // A limit beyond what the clock can hold is no limit in practice.
    let max_end = answered_at
        .checked_add(req.max_duration)
        .unwrap_or_else(|| answered_at + FAR_FUTURE);
    let end = talk
        .run(dialog, ports, bridge, handler_events, max_end)
        .await;
    let ended_at = talk.ended_at.unwrap_or_else(Instant::now);
    dialog.report.duration_ms =
        u64::try_from(ended_at.saturating_duration_since(answered_at).as_millis())
            .unwrap_or(u64::MAX);
    dialog.report.answered_end(&end, dialog.local.clone());
    if let Some(s) = &talk.session {
        dialog.report.quality(&s.stats());
    }
}

impl Talk {
    async fn run(
        &mut self,
        dialog: &mut Dialog,
        ports: &RtpPorts,
        bridge: &Bridge,
        handler_events: &mut HandlerEvents,
        max_end: Instant,
    ) -> CallEnd {
        let mut rtp_buf = vec![0u8; 2048];
        let mut rtcp_buf = vec![0u8; 2048];
        let mut handler_open = true;
        let mut hangups_open = true;
        let far = Instant::now() + FAR_FUTURE;
        let sleep = tokio::time::sleep_until(far.into());
        tokio::pin!(sleep);
        loop {
            self.after_input(dialog, ports, bridge);
            let next = [
                self.session.as_ref().and_then(MediaSession::poll_timeout),
                self.no_audio_deadline,
                dialog.local.is_none().then_some(max_end),
                self.bye_deadline,
            ]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(far);
            if sleep.deadline() != next.into() {
                sleep.as_mut().reset(next.into());
            }
            tokio::select! {
                () = &mut sleep => {
                    let now = Instant::now();
                    if let Some(s) = self.session.as_mut() {
                        s.handle_timeout(now);
                    }
                    if dialog.local.is_none() && now >= max_end {
                        dialog.hang_up(HangupBy::Trunkline, None);
                    }
                    if self.no_audio_deadline.is_some_and(|d| now >= d) {
                        self.no_audio_deadline = None;
                        let why = format!("no audio: no RTP from the trunk for {} s after the hold ended", self.no_audio.as_secs());
                        dialog.hang_up(HangupBy::Trunkline, Some(why));
                    }
                    if self.bye_deadline.is_some_and(|d| now >= d) {
                        tracing::warn!("the call did not end after our BYE; giving up on it");
                        return CallEnd::LocalHangup;
                    }
                }
                received = ports.rtp.recv_from(&mut rtp_buf) => {
                    if let (Ok((n, from)), Some(s)) = (received, self.session.as_mut()) {
                        s.handle_rtp(Instant::now(), from, datagram(&rtp_buf, n));
                    }
                }
                received = ports.rtcp.recv_from(&mut rtcp_buf) => {
                    if let (Ok((n, from)), Some(s)) = (received, self.session.as_mut()) {
                        s.handle_rtcp(Instant::now(), from, datagram(&rtcp_buf, n));
                    }
                }
                event = handler_events.recv(), if handler_open => match event {
                    Some(e) => self.on_handler(dialog, e, &mut handler_open),
                    None => {
                        handler_open = false;
                        dialog.hang_up(HangupBy::Handler, None);
                    }
                },
                signal = dialog.signals.recv() => {
                    let Some(signal) = signal else { return CallEnd::LocalHangup };
                    match dialog.signal(signal) {
                        Some(CallEvent::Ended(end)) => {
                            self.ended_at.get_or_insert_with(Instant::now);
                            self.close();
                            self.flush(ports);
                            return end;
                        }
                        Some(CallEvent::MediaChanged(m)) => self.media_changed(&m),
                        _ => {}
                    }
                }
                by = dialog.hangups.recv(), if hangups_open => match by {
                    Some(by) => dialog.hang_up(by, None),
                    None => hangups_open = false,
                },
            }
        }
    }

    fn on_handler(&mut self, dialog: &mut Dialog, event: HandlerEvent, open: &mut bool) {
        let Some(s) = self.session.as_mut().filter(|_| !self.closed) else {
            if let HandlerEvent::HungUp(_) = event {
                *open = false;
                dialog.hang_up(HangupBy::Handler, None);
            }
            return;
        };
        match event {
            HandlerEvent::Audio {
                samples,
                sample_rate,
            } => {
                if let Err(e) = s.queue_outbound(&samples, sample_rate) {
                    tracing::warn!(error = %e, "handler audio dropped");
                }
            }
            HandlerEvent::Mark(name) => {
                if let Err(e) = s.mark(name) {
                    tracing::warn!(error = %e, "handler mark refused");
                }
            }
            HandlerEvent::Clear => s.clear(),
            HandlerEvent::HungUp(cause) => {
                tracing::info!(%cause, "the handler ended the call");
                *open = false;
                dialog.hang_up(HangupBy::Handler, None);
            }
        }
    }

    fn media_changed(&mut self, m: &NegotiatedMedia) {
        let hold = m.remote_hold || !m.remote_direction.sends();
        if self.on_hold && !hold && self.silence_on_hold {
            self.silence_on_hold = false;
            self.no_audio_deadline = Some(Instant::now() + self.no_audio);
        }
        self.on_hold = hold;
        tracing::info!(hold, remote = %m.remote_rtp, "the trunk changed the session");
        if let Some(s) = self.session.as_mut() {
            if !m.remote_rtp.ip().is_unspecified() && s.remote_rtp_address() != m.remote_rtp {
                s.set_remote(m.remote_rtp, m.remote_rtcp);
            }
        }
    }

    /// Sends what the session produced and hands its events and frames on;
    /// closes the session once a hang-up was asked for.
    fn after_input(&mut self, dialog: &mut Dialog, ports: &RtpPorts, bridge: &Bridge) {
        let Some(s) = self.session.as_mut() else {
            self.note_hangup(dialog);
            return;
        };
        while let Some(e) = s.poll_event() {
            match e {
                MediaEvent::Dtmf { digit, .. } => {
                    let _ = bridge.send_dtmf(digit);
                }
                MediaEvent::MarkDone { name, .. } => {
                    let _ = bridge.mark_played(&name);
                }
                MediaEvent::NoMedia { silent_for } => {
                    if self.on_hold {
                        self.silence_on_hold = true;
                    } else {
                        let why = format!(
                            "no audio: no RTP from the trunk for {} s",
                            silent_for.as_secs()
                        );
                        dialog.hang_up(HangupBy::Trunkline, Some(why));
                    }
                }
                MediaEvent::MediaResumed => {
                    self.silence_on_hold = false;
                    self.no_audio_deadline = None;
                }
                other => tracing::debug!(?other, "media event"),
            }
        }
        while let Some(frame) = s.poll_inbound_frame() {
            let _ = bridge.send_audio(&frame.samples);
        }
        self.note_hangup(dialog);
        self.flush(ports);
    }

    fn note_hangup(&mut self, dialog: &Dialog) {
        if dialog.local.is_some() && self.ended_at.is_none() {
            let now = Instant::now();
            self.ended_at = Some(now);
            self.bye_deadline = Some(now + self.bye_wait);
            self.close();
        }
    }

    fn close(&mut self) {
        if let (Some(s), false) = (self.session.as_mut(), self.closed) {
            s.close(Instant::now());
            self.closed = true;
        }
    }

    fn flush(&mut self, ports: &RtpPorts) {
        let Some(s) = self.session.as_mut() else {
            return;
        };
        while let Some(t) = s.poll_transmit() {
            let socket = match t.socket {
                SocketKind::Rtp => &ports.rtp,
                SocketKind::Rtcp => &ports.rtcp,
            };
            send(socket, &t.payload, t.to);
        }
    }
}

fn datagram(buf: &[u8], n: usize) -> Bytes {
    Bytes::copy_from_slice(buf.get(..n).unwrap_or_default())
}

fn send(socket: &tokio::net::UdpSocket, payload: &[u8], to: SocketAddr) {
    if let Err(e) = socket.try_send_to(payload, to) {
        tracing::debug!(%to, error = %e, "RTP send failed");
    }
}
