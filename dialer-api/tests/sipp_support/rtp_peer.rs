//! The callee's media end: a UDP socket the SIPp trunk's SDP points at. It
//! records every RTP packet Trunkline sends (arrival time, header, payload)
//! and, once it knows Trunkline's address, sends a tone as RTP every 20 ms.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use codecs::Codec;
use tokio::net::UdpSocket;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::audio::tone;

/// One RTP packet received from Trunkline.
#[derive(Debug, Clone)]
pub struct Packet {
    /// When it arrived.
    pub at: Instant,
    /// Its source.
    pub from: SocketAddr,
    /// Marker bit.
    pub marker: bool,
    /// Payload type.
    pub pt: u8,
    /// Sequence number.
    pub seq: u16,
    /// RTP timestamp.
    pub ts: u32,
    /// SSRC.
    pub ssrc: u32,
    /// Payload.
    pub payload: Vec<u8>,
}

/// The fixed RTP header fields: marker, payload type, sequence, timestamp, SSRC.
pub type RtpFields = (bool, u8, u16, u32, u32);

/// Reads an RTP datagram (RFC 3550 fixed header; CSRCs skipped).
pub fn parse_rtp(data: &[u8]) -> Option<(RtpFields, &[u8])> {
    if data.len() < 12 || data[0] >> 6 != 2 {
        return None;
    }
    let cc = usize::from(data[0] & 0x0f);
    let start = 12 + 4 * cc;
    let marker = data[1] & 0x80 != 0;
    let pt = data[1] & 0x7f;
    let seq = u16::from_be_bytes([data[2], data[3]]);
    let ts = u32::from_be_bytes([data[4], data[5], data[6], data[7]]);
    let ssrc = u32::from_be_bytes([data[8], data[9], data[10], data[11]]);
    Some(((marker, pt, seq, ts, ssrc), data.get(start..)?))
}

/// The callee's media end.
pub struct RtpPeer {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Packet>>>,
    sent: Arc<Mutex<u64>>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl RtpPeer {
    /// Listens on a free loopback port; sends `tone_hz` (None: silence is
    /// never sent, the peer stays mute) encoded with `codec` as payload type `pt`.
    pub async fn start(codec: Codec, pt: u8, tone_hz: Option<f64>) -> RtpPeer {
        RtpPeer::start_with_dtmf(codec, pt, tone_hz, None).await
    }

    /// The same, and after `dtmf.1` packets of audio presses key `dtmf.0`
    /// for 100 ms as RFC 4733 events on payload type 101.
    pub async fn start_with_dtmf(
        codec: Codec,
        pt: u8,
        tone_hz: Option<f64>,
        dtmf: Option<(u8, usize)>,
    ) -> RtpPeer {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let sent = Arc::new(Mutex::new(0u64));
        let (stop, mut stopped) = watch::channel(false);
        let (rx, tx_count) = (Arc::clone(&received), Arc::clone(&sent));
        let task = tokio::spawn(async move {
            let mut encoder = codecs::encoder_for(codec);
            let mut buf = [0u8; 2048];
            let mut remote: Option<SocketAddr> = None;
            let mut tick = tokio::time::interval(Duration::from_millis(20));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            let mut seq: u16 = 1000;
            let mut ts: u32 = 50_000;
            let mut n: usize = 0;
            let mut event_start: Option<u32> = None;
            loop {
                tokio::select! {
                    r = socket.recv_from(&mut buf) => {
                        let Ok((len, from)) = r else { continue };
                        let at = Instant::now();
                        if let Some(((marker, pt, seq, ts, ssrc), payload)) = parse_rtp(&buf[..len]) {
                            remote.get_or_insert(from);
                            rx.lock().unwrap().push(Packet { at, from, marker, pt, seq, ts, ssrc, payload: payload.to_vec() });
                        }
                    }
                    _ = tick.tick() => {
                        let (Some(to), Some(hz)) = (remote, tone_hz) else { continue };
                        let pcm = tone(hz, 8000.0, 160, n * 160);
                        n += 1;
                        let mut packet = vec![0x80, pt, 0, 0, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78];
                        let mut stamp = ts;
                        match dtmf {
                            // A key press: 5 updates then 3 end packets, all
                            // with the timestamp of its start.
                            Some((event, at)) if (at..at + 8).contains(&n) => {
                                let step = n - at;
                                let start = *event_start.get_or_insert(ts);
                                stamp = start;
                                let end = step >= 5;
                                let duration = (160 * (step.min(4) + 1)) as u16;
                                packet[1] = if step == 0 { 0x80 | 101 } else { 101 };
                                packet.extend_from_slice(&[event, if end { 0x80 | 10 } else { 10 }]);
                                packet.extend_from_slice(&duration.to_be_bytes());
                            }
                            _ => {
                                let mut payload = [0u8; 640];
                                let len = encoder.encode(&pcm, &mut payload).unwrap();
                                packet.extend_from_slice(&payload[..len]);
                            }
                        }
                        packet[2..4].copy_from_slice(&seq.to_be_bytes());
                        packet[4..8].copy_from_slice(&stamp.to_be_bytes());
                        let _ = socket.send_to(&packet, to).await;
                        *tx_count.lock().unwrap() += 1;
                        seq = seq.wrapping_add(1);
                        ts = ts.wrapping_add(160);
                    }
                    _ = stopped.changed() => break,
                }
            }
        });
        RtpPeer {
            addr,
            received,
            sent,
            stop,
            task,
        }
    }

    /// Where Trunkline must send RTP.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Packets received so far.
    pub fn packets(&self) -> Vec<Packet> {
        self.received.lock().unwrap().clone()
    }

    /// Stops; returns every packet received and the number sent.
    pub async fn stop(self) -> (Vec<Packet>, u64) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
        let packets = self.received.lock().unwrap().clone();
        let sent = *self.sent.lock().unwrap();
        (packets, sent)
    }
}
