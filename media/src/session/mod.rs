//! The media session of one call: RTP and RTCP in and out, the receive path
//! to 20 ms PCM frames, the send path from queued bot audio, DTMF both ways,
//! symmetric RTP, inactivity detection and call-quality figures.
//!
//! Sans-IO: the driver passes datagrams and `now` in, and takes datagrams,
//! events, inbound frames and the next deadline out.

mod clock;
mod config;
mod latch;
mod output;
mod rtcp;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use codecs::{Decoder, Encoder, PACKET_SAMPLES};
use rand_core::RngCore;

pub use config::{MAX_PTIME_MS, MediaConfig};
pub use latch::{FIRST_LATCH_RUN, RELATCH_RUN, RELATCH_SILENCE};
pub use output::{MediaEvent, SocketKind, Transmit};

use self::clock::{SessionRng, ntp_duration};
use self::latch::{Latch, LatchVerdict};
use self::rtcp::RtcpState;
use crate::dtmf::{DtmfPacket, DtmfReceiver, DtmfSender, TelephoneEvent};
use crate::error::MediaError;
use crate::inbound::{InboundAudio, InboundFrame};
use crate::playout::{MarkDone, OutboundFrame, PlayoutQueue};
use crate::quality::{CallQuality, EModelInput, ReceptionStats, mos_from_r, r_factor};
use crate::rtcp::{SenderInfo, parse_compound};
use crate::rtp::{RtpHeader, RtpPacket, SequenceVerdict};

/// One frame of media time.
pub const TICK: Duration = Duration::from_millis(20);
/// RTP payload type of RFC 3389 comfort noise.
pub const PT_COMFORT_NOISE: u8 = 13;
/// Media time processed back to back after a stalled driver before the rest is skipped.
const MAX_CATCH_UP: Duration = Duration::from_millis(200);
/// Samples in the longest packet sent.
const MAX_PACKET_SAMPLES: usize = MAX_PTIME_MS as usize * 8;
/// Bytes reserved at a time for outgoing datagrams.
const ARENA_CHUNK: usize = 16 * 1024;

#[derive(Debug)]
struct RemoteSource {
    stats: ReceptionStats,
}

/// The media session of one call. See the crate documentation for the loop
/// that drives it.
pub struct MediaSession {
    config: MediaConfig,
    rng: SessionRng,
    start: Instant,
    closed: bool,

    local_ssrc: u32,
    next_sequence: u16,
    timestamp_base: u32,
    /// The send clock: samples of media time sent (or skipped) so far.
    media_ticks: u64,
    /// The next 20 ms receive tick.
    next_tick: Instant,
    /// When the next packet is sent.
    next_send: Instant,
    /// Samples per packet sent.
    packet_samples: usize,
    ticks_skipped: u64,
    encoder: Box<dyn Encoder>,
    playout: PlayoutQueue,
    dtmf_tx: DtmfSender,
    marker_pending: bool,
    pcm_out: [i16; MAX_PACKET_SAMPLES],
    encoded: [u8; 2 * MAX_PACKET_SAMPLES],
    marks_done: Vec<MarkDone>,
    packets_sent: u64,
    octets_sent: u64,
    sent_since_report: bool,
    encode_errors: u64,

    latch: Latch,
    remote: Option<RemoteSource>,
    retired_expected: u64,
    retired_received: u64,
    ssrc_candidate: Option<(u32, u16)>,
    inbound: InboundAudio,
    inbound_frames: VecDeque<InboundFrame>,
    inbound_dropped: u64,
    dtmf_rx: DtmfReceiver,
    last_media: Instant,
    no_media_reported: bool,
    malformed: u64,
    ignored: u64,

    rtcp: RtcpState,
    transmits: VecDeque<Transmit>,
    events: VecDeque<MediaEvent>,
    arena: BytesMut,
}

impl std::fmt::Debug for MediaSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaSession")
            .field("codec", &self.config.codec)
            .field("local_ssrc", &self.local_ssrc)
            .field("remote", &self.latch.address())
            .field("closed", &self.closed)
            .finish_non_exhaustive()
    }
}

impl MediaSession {
    /// A session for `config` at `now`, with the codec objects from the
    /// `codecs` crate's factory. SSRC, first sequence number and timestamp
    /// come from `rng`, as does the seed of the session's own random stream.
    pub fn new(
        config: MediaConfig,
        rng: &mut impl RngCore,
        now: Instant,
    ) -> Result<MediaSession, MediaError> {
        let encoder = codecs::encoder_for(config.codec);
        let decoder = codecs::decoder_for(config.codec);
        MediaSession::with_codecs(config, encoder, decoder, rng, now)
    }

    /// A session using the given encoder and decoder, which must be for
    /// `config.codec`.
    pub fn with_codecs(
        config: MediaConfig,
        encoder: Box<dyn Encoder>,
        decoder: Box<dyn Decoder>,
        rng: &mut impl RngCore,
        now: Instant,
    ) -> Result<MediaSession, MediaError> {
        if encoder.codec() != config.codec || decoder.codec() != config.codec {
            return Err(MediaError::Config(
                "encoder and decoder must be for the configured codec",
            ));
        }
        if config.jitter.min_delay > config.jitter.max_delay {
            return Err(MediaError::Config("jitter min_delay exceeds max_delay"));
        }
        if config.payload_type > 127
            || config
                .dtmf_payload_type
                .is_some_and(|pt| pt > 127 || pt == config.payload_type)
        {
            return Err(MediaError::Config(
                "payload types must be distinct and below 128",
            ));
        }
        if !config.ptime_is_supported() {
            return Err(MediaError::Config(
                "ptime must be 10 to 60 ms in whole codec frames (GSM: 20, 40 or 60 ms)",
            ));
        }
        let mut session_rng = SessionRng::new(rng.next_u64());
        let codec = config.codec;
        let packet_samples = (config.ptime.as_millis() as usize) * 8;
        let packets_per_second = 8000 / packet_samples.max(1);
        let packet_bytes = payload_bytes_per_tick(codec) * packet_samples / PACKET_SAMPLES;
        let bandwidth = ((packet_bytes + 40) * 8 * packets_per_second) as u32;
        let rtcp = RtcpState::new(
            now,
            bandwidth,
            config.rtcp_address(config.remote_rtp),
            session_rng.unit(),
        );
        let queue_limit = (config.max_outbound_queue.as_millis() as usize).saturating_mul(8);
        Ok(MediaSession {
            rng: session_rng,
            start: now,
            closed: false,
            local_ssrc: rng.next_u32(),
            next_sequence: rng.next_u32() as u16,
            timestamp_base: rng.next_u32(),
            media_ticks: 0,
            next_tick: now,
            next_send: now,
            packet_samples,
            ticks_skipped: 0,
            encoder,
            playout: PlayoutQueue::new(queue_limit),
            dtmf_tx: DtmfSender::new(codec.clock_rate()),
            marker_pending: true,
            pcm_out: [0; MAX_PACKET_SAMPLES],
            encoded: [0; 2 * MAX_PACKET_SAMPLES],
            marks_done: Vec::with_capacity(4),
            packets_sent: 0,
            octets_sent: 0,
            sent_since_report: false,
            encode_errors: 0,
            latch: Latch::new(config.remote_rtp),
            remote: None,
            retired_expected: 0,
            retired_received: 0,
            ssrc_candidate: None,
            inbound: InboundAudio::new(config.jitter.clone(), decoder),
            inbound_frames: VecDeque::with_capacity(config.max_inbound_frames.max(1)),
            inbound_dropped: 0,
            dtmf_rx: DtmfReceiver::new(codec.clock_rate()),
            last_media: now,
            no_media_reported: false,
            malformed: 0,
            ignored: 0,
            rtcp,
            transmits: VecDeque::with_capacity(8),
            events: VecDeque::with_capacity(8),
            arena: BytesMut::with_capacity(ARENA_CHUNK),
            config,
        })
    }

    /// Our SSRC.
    pub fn local_ssrc(&self) -> u32 {
        self.local_ssrc
    }

    /// Where RTP is sent now (the latched address once media arrived).
    pub fn remote_rtp_address(&self) -> SocketAddr {
        self.latch.address()
    }

    /// Signalling moved the remote end (re-INVITE): send there and latch afresh.
    pub fn set_remote(&mut self, rtp: SocketAddr, rtcp: Option<SocketAddr>) {
        self.config.remote_rtp = rtp;
        self.config.remote_rtcp = rtcp;
        self.latch.reset(rtp);
        self.rtcp.address = self.config.rtcp_address(rtp);
    }

    /// Takes in a datagram received on the RTP socket.
    pub fn handle_rtp(&mut self, now: Instant, from: SocketAddr, data: Bytes) {
        if self.closed {
            return;
        }
        let Ok(packet) = RtpPacket::parse(data) else {
            self.malformed += 1;
            return;
        };
        let pt = packet.payload_type();
        let is_audio = pt == self.config.payload_type;
        let is_dtmf = !is_audio && self.config.dtmf_payload_type == Some(pt);
        let is_cn = !is_audio && !is_dtmf && pt == PT_COMFORT_NOISE;
        if !(is_audio || is_dtmf || is_cn) {
            self.ignored += 1;
            return;
        }
        let ssrc = packet.ssrc();
        let sequence = packet.sequence();
        let stream_ssrc = self.remote.as_ref().map(|r| r.stats.ssrc());
        match self.latch.accept(now, from, ssrc, sequence, stream_ssrc) {
            LatchVerdict::Drop => {
                self.ignored += 1;
                return;
            }
            LatchVerdict::Latched(address) => {
                if self.config.remote_rtcp.is_none() {
                    self.rtcp.address = self.config.rtcp_address(address);
                }
                self.events
                    .push_back(MediaEvent::RemoteAddressLatched { address });
            }
            LatchVerdict::Accept => {}
        }
        self.last_media = now;
        if self.no_media_reported {
            self.no_media_reported = false;
            self.events.push_back(MediaEvent::MediaResumed);
        }

        let remote = match &mut self.remote {
            None => self.remote.insert(RemoteSource {
                stats: ReceptionStats::new(
                    ssrc,
                    sequence,
                    self.config.codec.clock_rate(),
                    self.start,
                ),
            }),
            Some(r) if r.stats.ssrc() != ssrc => {
                if is_dtmf {
                    // Some gateways send events from a source of their own.
                    self.handle_dtmf(now, &packet);
                    return;
                }
                if self.ssrc_candidate != Some((ssrc, sequence)) {
                    self.ssrc_candidate = Some((ssrc, sequence.wrapping_add(1)));
                    self.ignored += 1;
                    return;
                }
                self.ssrc_candidate = None;
                let old = r.stats.ssrc();
                self.retired_expected += r.stats.expected();
                self.retired_received += r.stats.received();
                *r = RemoteSource {
                    stats: ReceptionStats::new(
                        ssrc,
                        sequence.wrapping_sub(1),
                        self.config.codec.clock_rate(),
                        self.start,
                    ),
                };
                r.stats
                    .update(now, sequence.wrapping_sub(1), packet.timestamp(), false);
                self.inbound.reset();
                self.events
                    .push_back(MediaEvent::RemoteSsrcChanged { old, new: ssrc });
                r
            }
            Some(r) => r,
        };
        let verdict = remote
            .stats
            .update(now, sequence, packet.timestamp(), !is_dtmf);
        if verdict == SequenceVerdict::Jump {
            self.ignored += 1;
            return;
        }
        if is_dtmf {
            self.handle_dtmf(now, &packet);
        } else if is_cn {
            self.inbound
                .push(now, packet.timestamp(), packet.payload(), true);
        } else {
            self.push_audio(now, &packet);
        }
    }

    /// Files a payload in the jitter buffer: as 20 ms frames when it is
    /// a whole number of them, otherwise (10, 30 or 50 ms packets) as 10 ms
    /// pieces that the buffer pairs into frames. A payload of a codec with
    /// 20 ms frames (GSM) that is not a whole number of frames is filed
    /// whole and the decoder judges it.
    fn push_audio(&mut self, now: Instant, packet: &RtpPacket) {
        let codec = self.config.codec;
        let unit = payload_bytes_per_tick(codec);
        let payload = packet.payload();
        let timestamp = packet.timestamp();
        let frames = payload.len() / unit;
        if payload.len() == unit {
            self.inbound.push(now, timestamp, payload, false);
        } else if payload.len() % unit == 0 && frames > 1 {
            for k in 0..frames {
                let ts = timestamp.wrapping_add((k * PACKET_SAMPLES) as u32);
                self.inbound
                    .push(now, ts, payload.slice(k * unit..(k + 1) * unit), false);
            }
        } else if let Some(piece) = payload_bytes_per_piece(codec) {
            let pieces = (0..payload.len().div_ceil(piece))
                .map(|k| payload.slice(k * piece..((k + 1) * piece).min(payload.len())));
            self.inbound.push_pieces(now, timestamp, pieces);
        } else {
            self.inbound.push(now, timestamp, payload, false);
        }
    }

    fn handle_dtmf(&mut self, now: Instant, packet: &RtpPacket) {
        match TelephoneEvent::parse(packet.payload_bytes()) {
            Ok(event) => {
                for digit in self
                    .dtmf_rx
                    .handle(now, packet.timestamp(), event)
                    .into_iter()
                    .flatten()
                {
                    self.events.push_back(MediaEvent::Dtmf {
                        digit: digit.digit,
                        duration: digit.duration,
                    });
                }
            }
            Err(_) => self.malformed += 1,
        }
    }

    /// Takes in a datagram received on the RTCP socket (or on the RTP
    /// socket with rtcp-mux, where [`crate::rtcp::looks_like_rtcp`] tells
    /// the two apart).
    pub fn handle_rtcp(&mut self, now: Instant, from: SocketAddr, data: Bytes) {
        if self.closed {
            return;
        }
        let Ok(packets) = parse_compound(&data) else {
            self.malformed += 1;
            return;
        };
        if from != self.rtcp.address {
            if from.ip() != self.latch.address().ip() {
                self.ignored += 1;
                return;
            }
            self.rtcp.address = from;
        }
        let ntp_now = self.ntp_at(now);
        let remote_ssrc = self.remote.as_ref().map(|r| r.stats.ssrc());
        let news = self.rtcp.handle(
            now,
            ntp_now,
            data.len(),
            &packets,
            self.local_ssrc,
            remote_ssrc,
        );
        if news.bye {
            self.events.push_back(MediaEvent::RemoteBye);
        }
    }

    /// Advances the session to `now`: plays and sends every 20 ms tick due,
    /// DTMF updates, RTCP reports and the inactivity check.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.closed {
            return;
        }
        self.run_receive_ticks(now);
        self.run_send_ticks(now);
        if self.dtmf_tx.poll_timeout().is_some_and(|t| t <= now) {
            if let Some(packet) = self.dtmf_tx.poll(now, self.media_ticks) {
                self.send_dtmf_packet(packet);
            }
            if !self.dtmf_tx.is_sending() {
                self.marker_pending = true;
            }
        }
        if let Some(digit) = self.dtmf_rx.handle_timeout(now) {
            self.events.push_back(MediaEvent::Dtmf {
                digit: digit.digit,
                duration: digit.duration,
            });
        }
        if now >= self.rtcp.next_report {
            self.send_report(now, false);
        }
        let silent_for = now.saturating_duration_since(self.last_media);
        if !self.no_media_reported && silent_for >= self.config.inactivity_timeout {
            self.no_media_reported = true;
            self.events.push_back(MediaEvent::NoMedia { silent_for });
        }
    }

    /// Plays every 20 ms receive tick due by `now`.
    fn run_receive_ticks(&mut self, now: Instant) {
        let mut processed = Duration::ZERO;
        while self.next_tick <= now {
            if processed >= MAX_CATCH_UP {
                let behind = periods_behind(now, self.next_tick, TICK);
                self.next_tick += TICK * behind;
                self.ticks_skipped += u64::from(behind);
                // The audio of the skipped ticks is gone: play on at the
                // target delay rather than a stall's worth behind it.
                self.inbound.drop_backlog(now);
                break;
            }
            let at = self.next_tick;
            self.receive_tick(at);
            self.next_tick += TICK;
            processed += TICK;
        }
    }

    /// Sends every packet due by `now`, one per `ptime`.
    fn run_send_ticks(&mut self, now: Instant) {
        let ptime = self.config.ptime;
        let mut processed = Duration::ZERO;
        while self.next_send <= now {
            if processed >= MAX_CATCH_UP {
                let behind = periods_behind(now, self.next_send, ptime);
                self.next_send += ptime * behind;
                self.media_ticks += u64::from(behind) * self.packet_samples as u64;
                break;
            }
            let at = self.next_send;
            self.send_tick(at);
            self.next_send += ptime;
            processed += ptime;
        }
    }

    fn receive_tick(&mut self, at: Instant) {
        let frame = self.inbound.pop(at);
        if self.inbound_frames.len() >= self.config.max_inbound_frames.max(1) {
            self.inbound_frames.pop_front();
            self.inbound_dropped += 1;
        }
        self.inbound_frames.push_back(frame);
    }

    fn send_tick(&mut self, at: Instant) {
        if !self.dtmf_tx.is_sending() {
            let dtmf = if self.dtmf_tx.has_queued() {
                self.dtmf_tx.poll(at, self.media_ticks)
            } else {
                None
            };
            if let Some(packet) = dtmf {
                self.send_dtmf_packet(packet);
            } else {
                let out = &mut self.pcm_out[..self.packet_samples.min(MAX_PACKET_SAMPLES)];
                match self.playout.next_frame(out, &mut self.marks_done) {
                    OutboundFrame::Audio { talk_spurt_start } => {
                        let marker = talk_spurt_start || self.marker_pending;
                        self.send_audio(marker);
                    }
                    OutboundFrame::Idle if self.config.send_silence => self.send_audio(false),
                    OutboundFrame::Idle => {}
                }
            }
        }
        self.report_marks_done();
        self.media_ticks += self.packet_samples as u64;
    }

    /// Turns the marks completed since the last call into events.
    fn report_marks_done(&mut self) {
        for done in self.marks_done.drain(..) {
            self.events.push_back(MediaEvent::MarkDone {
                name: done.name,
                cleared: done.cleared,
            });
        }
    }

    fn send_audio(&mut self, marker: bool) {
        let pcm = &self.pcm_out[..self.packet_samples.min(MAX_PACKET_SAMPLES)];
        let Ok(len) = self.encoder.encode(pcm, &mut self.encoded) else {
            self.encode_errors += 1;
            return;
        };
        self.marker_pending = false;
        let header = RtpHeader {
            marker,
            payload_type: self.config.payload_type,
            sequence: self.next_sequence,
            timestamp: self.timestamp_base.wrapping_add(self.media_ticks as u32),
            ssrc: self.local_ssrc,
        };
        let len = len.min(self.encoded.len());
        self.reserve_arena();
        header.write(&self.encoded[..len], &mut self.arena);
        self.finish_rtp(len);
    }

    fn send_dtmf_packet(&mut self, packet: DtmfPacket) {
        let Some(pt) = self.config.dtmf_payload_type else {
            return;
        };
        let header = RtpHeader {
            marker: packet.marker,
            payload_type: pt,
            sequence: self.next_sequence,
            timestamp: self
                .timestamp_base
                .wrapping_add(packet.timestamp_ticks as u32),
            ssrc: self.local_ssrc,
        };
        self.reserve_arena();
        header.write(&packet.event.to_bytes(), &mut self.arena);
        self.finish_rtp(4);
    }

    fn reserve_arena(&mut self) {
        if self.arena.capacity() < 1500 {
            self.arena.reserve(ARENA_CHUNK);
        }
    }

    fn finish_rtp(&mut self, payload_len: usize) {
        self.next_sequence = self.next_sequence.wrapping_add(1);
        self.packets_sent += 1;
        self.octets_sent += payload_len as u64;
        self.sent_since_report = true;
        let payload = self.arena.split().freeze();
        self.transmits.push_back(Transmit {
            to: self.latch.address(),
            socket: SocketKind::Rtp,
            payload,
        });
    }

    fn ntp_at(&self, now: Instant) -> u64 {
        self.config
            .ntp_at_start
            .wrapping_add(ntp_duration(now.saturating_duration_since(self.start)))
    }

    fn send_report(&mut self, now: Instant, bye: bool) {
        let sender = self.sent_since_report.then(|| {
            let until_tick = self.next_send.saturating_duration_since(now);
            let ticks_ahead = until_tick.as_micros() as u64
                * u64::from(self.config.codec.clock_rate())
                / 1_000_000;
            SenderInfo {
                ssrc: self.local_ssrc,
                ntp_timestamp: self.ntp_at(now),
                rtp_timestamp: self
                    .timestamp_base
                    .wrapping_add(self.media_ticks.saturating_sub(ticks_ahead) as u32),
                packet_count: self.packets_sent as u32,
                octet_count: self.octets_sent as u32,
            }
        });
        let (lsr, dlsr) = self.rtcp.last_sr_fields(now);
        let block = self
            .remote
            .as_mut()
            .map(|r| r.stats.report_block(lsr, dlsr));
        self.reserve_arena();
        let unit = self.rng.unit();
        self.rtcp.write_report(
            now,
            &mut self.arena,
            sender,
            block,
            self.local_ssrc,
            &self.config.cname,
            bye,
            unit,
        );
        self.sent_since_report = false;
        let payload = self.arena.split().freeze();
        self.transmits.push_back(Transmit {
            to: self.rtcp.address,
            socket: if self.config.rtcp_mux {
                SocketKind::Rtp
            } else {
                SocketKind::Rtcp
            },
            payload,
        });
    }

    /// Ends the session: queues an RTCP BYE; every later input is ignored
    /// and `poll_timeout` returns `None`.
    pub fn close(&mut self, now: Instant) {
        if !self.closed {
            self.send_report(now, true);
            self.closed = true;
        }
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<MediaEvent> {
        self.events.pop_front()
    }

    /// The next 20 ms of received audio (8 kHz PCM), one per tick.
    pub fn poll_inbound_frame(&mut self) -> Option<InboundFrame> {
        self.inbound_frames.pop_front()
    }

    /// When `handle_timeout` must be called next (at the latest the next
    /// 20 ms tick); `None` once closed.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.closed {
            return None;
        }
        let mut next = self
            .next_tick
            .min(self.next_send)
            .min(self.rtcp.next_report);
        for t in [self.dtmf_tx.poll_timeout(), self.dtmf_rx.poll_timeout()]
            .into_iter()
            .flatten()
        {
            next = next.min(t);
        }
        if !self.no_media_reported {
            next = next.min(self.last_media + self.config.inactivity_timeout);
        }
        Some(next)
    }

    /// Queues bot audio (`pcm` at `rate` Hz: 8, 16, 24 or 48 kHz) for sending.
    pub fn queue_outbound(&mut self, pcm: &[i16], rate: u32) -> Result<(), MediaError> {
        self.playout.push(pcm, rate)
    }

    /// Places a mark after the audio queued so far; `MediaEvent::MarkDone`
    /// follows once that audio has been sent (at once if none is pending).
    /// Refused when its name is too long or too many marks are pending
    /// (see [`crate::playout::MAX_PENDING_MARKS`]).
    pub fn mark(&mut self, name: impl Into<String>) -> Result<(), MediaError> {
        if let Some(done) = self.playout.mark(name.into())? {
            self.marks_done.push(done);
            self.report_marks_done();
        }
        Ok(())
    }

    /// Drops all queued outbound audio at once (the next frame sent is
    /// silence) and completes every pending mark.
    pub fn clear(&mut self) {
        self.playout.clear(&mut self.marks_done);
        self.report_marks_done();
    }

    /// Queues a key press to send as RFC 4733 events (audio pauses while
    /// it is sent).
    pub fn send_dtmf(&mut self, digit: char, duration: Duration) -> Result<(), MediaError> {
        if self.config.dtmf_payload_type.is_none() {
            return Err(MediaError::Config("telephone-event was not negotiated"));
        }
        Ok(self.dtmf_tx.queue(digit, duration)?)
    }

    /// Outbound audio still queued.
    pub fn outbound_queued(&self) -> Duration {
        Duration::from_micros(self.playout.len() as u64 * 125)
    }

    /// How the call sounds so far.
    pub fn stats(&self) -> CallQuality {
        let (mut expected, mut received) = (self.retired_expected, self.retired_received);
        let mut jitter = Duration::ZERO;
        let mut interval_loss_percent = 0.0;
        if let Some(r) = &self.remote {
            expected += r.stats.expected();
            received += r.stats.received();
            jitter = Duration::from_secs_f64(r.stats.jitter_seconds());
            interval_loss_percent = f64::from(r.stats.interval_fraction_lost()) * 100.0 / 256.0;
        }
        let jb = self.inbound.stats();
        let lost = expected as i64 - received as i64;
        let loss_percent = if expected == 0 {
            0.0
        } else {
            ((lost.max(0) as f64 + jb.frames_late as f64) * 100.0 / expected as f64).min(100.0)
        };
        let burst_ratio = if jb.loss_events == 0 {
            1.0
        } else {
            let mean_burst = jb.frames_missing as f64 / jb.loss_events as f64;
            (mean_burst * (1.0 - loss_percent / 100.0)).max(1.0)
        };
        let rtt = self.rtcp.round_trip_time;
        let one_way_delay = rtt.unwrap_or_default() / 2 + jb.current_delay + TICK;
        let r = r_factor(EModelInput {
            codec: self.config.codec,
            loss_percent,
            burst_ratio,
            one_way_delay_ms: one_way_delay.as_secs_f64() * 1000.0,
        });
        let remote_block = self.rtcp.remote_block;
        CallQuality {
            packets_received: received,
            packets_expected: expected,
            packets_lost: lost,
            loss_percent,
            interval_loss_percent,
            jitter,
            round_trip_time: rtt,
            remote_loss_percent: remote_block.map(|b| f64::from(b.fraction_lost) * 100.0 / 256.0),
            remote_jitter: remote_block.map(|b| {
                Duration::from_micros(
                    u64::from(b.jitter) * 1_000_000 / u64::from(self.config.codec.clock_rate()),
                )
            }),
            packets_sent: self.packets_sent,
            octets_sent: self.octets_sent,
            malformed_packets: self.malformed,
            ignored_packets: self.ignored,
            jitter_buffer: jb,
            decode_errors: self.inbound.decode_errors(),
            encode_errors: self.encode_errors,
            ticks_skipped: self.ticks_skipped,
            inbound_frames_dropped: self.inbound_dropped,
            one_way_delay,
            r_factor: r,
            mos: mos_from_r(r),
        }
    }
}

/// Whole `period`s from `next` up to and including `now`.
fn periods_behind(now: Instant, next: Instant, period: Duration) -> u32 {
    let behind = now.saturating_duration_since(next).as_micros() / period.as_micros().max(1);
    u32::try_from(behind).unwrap_or(u32::MAX - 1) + 1
}

/// Payload bytes of 10 ms of `codec`, when its frames are that short
/// (G.711: 80 one-byte frames; G.729: one 10-byte frame).
fn payload_bytes_per_piece(codec: codecs::Codec) -> Option<usize> {
    let samples = PACKET_SAMPLES / 2;
    let frame = codec.frame_samples();
    (frame > 0 && samples % frame == 0).then(|| samples / frame * codec.frame_bytes())
}

/// Payload bytes of one 20 ms frame of `codec`.
pub fn payload_bytes_per_tick(codec: codecs::Codec) -> usize {
    codec.frame_bytes() * (PACKET_SAMPLES / codec.frame_samples().max(1))
}
