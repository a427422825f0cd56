//! Test AI handlers: a Twilio Media Streams bot, a raw PCM WebSocket bot
//! and an AudioSocket bot. Each answers `start` with a tone (and a mark),
//! records everything it receives with the time it arrived, and hangs up
//! after a while if told to.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use base64::Engine as _;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::audio::tone_at;

/// What a bot does once the call starts.
#[derive(Debug, Clone)]
pub struct BotPlan {
    /// The tone it answers with.
    pub tone_hz: f64,
    /// How much of it, in ms (sent at once, as a handler streaming TTS would).
    pub tone_ms: u32,
    /// A mark sent after the tone.
    pub mark: Option<&'static str>,
    /// Send `clear` this long after the tone (barge-in).
    pub clear_after: Option<Duration>,
    /// Hang up (close the socket) this long after `start`.
    pub hangup_after: Option<Duration>,
}

impl BotPlan {
    /// 1 kHz for 1 s with mark `m1`, hang up after `secs` s.
    pub fn tone_then_hangup(secs: f64) -> BotPlan {
        BotPlan {
            tone_hz: 1000.0,
            tone_ms: 1000,
            mark: Some("m1"),
            clear_after: None,
            hangup_after: Some(Duration::from_secs_f64(secs)),
        }
    }
}

/// What a bot saw.
#[derive(Debug, Default)]
pub struct BotRun {
    /// Text messages (parsed JSON) with arrival times.
    pub json: Vec<(Instant, Value)>,
    /// Binary frames (pcm) or AudioSocket frames (kind, payload) with arrival times.
    pub frames: Vec<(Instant, u8, Vec<u8>)>,
    /// When `start` (pcm metadata, AudioSocket UUID) arrived.
    pub start_at: Option<Instant>,
    /// The same moment by the wall clock (Twilio bot), to compare with SIPp's log.
    pub start_wall: Option<std::time::SystemTime>,
    /// When the tone was sent.
    pub tone_sent_at: Option<Instant>,
    /// When the clear was sent.
    pub clear_sent_at: Option<Instant>,
    /// Whether the bot hung up (rather than Trunkline closing).
    pub bot_hung_up: bool,
}

/// A listener for a bot.
pub async fn bot_listener() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

fn ulaw(samples: &[i16]) -> Vec<u8> {
    samples
        .iter()
        .map(|&s| codecs::g711::ulaw_encode(s))
        .collect()
}

fn deadline_sleep(at: Option<Instant>) -> tokio::time::Sleep {
    let far = Instant::now() + Duration::from_secs(3600);
    tokio::time::sleep_until(at.unwrap_or(far).into())
}

/// The Twilio Media Streams bot.
pub fn twilio_bot(listener: TcpListener, plan: BotPlan) -> JoinHandle<BotRun> {
    tokio::spawn(async move {
        let mut run = BotRun::default();
        let Ok(Ok((tcp, _))) =
            tokio::time::timeout(Duration::from_secs(15), listener.accept()).await
        else {
            return run;
        };
        let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        let mut stream_sid = String::new();
        let mut hangup_at = None;
        let mut clear_at = None;
        let end = Instant::now() + Duration::from_secs(40);
        loop {
            let hang = deadline_sleep(hangup_at);
            let clear = deadline_sleep(clear_at);
            tokio::select! {
                m = ws.next() => {
                    let now = Instant::now();
                    let Some(Ok(m)) = m else { break };
                    let Message::Text(text) = m else { continue };
                    let v: Value = serde_json::from_str(text.as_str()).unwrap();
                    if v["event"] == "start" {
                        run.start_at = Some(now);
                        run.start_wall = Some(std::time::SystemTime::now());
                        stream_sid = v["streamSid"].as_str().unwrap_or_default().to_owned();
                        let pcm = tone_at(plan.tone_hz, 8000.0, plan.tone_ms as usize * 8, 0, 8000);
                        for chunk in ulaw(&pcm).chunks(160) {
                            let payload = base64::engine::general_purpose::STANDARD.encode(chunk);
                            let media = json!({"event":"media","streamSid":stream_sid,"media":{"payload":payload}});
                            ws.send(Message::text(media.to_string())).await.unwrap();
                        }
                        run.tone_sent_at = Some(Instant::now());
                        if let Some(name) = plan.mark {
                            let mark = json!({"event":"mark","streamSid":stream_sid,"mark":{"name":name}});
                            ws.send(Message::text(mark.to_string())).await.unwrap();
                        }
                        clear_at = plan.clear_after.map(|d| Instant::now() + d);
                        hangup_at = plan.hangup_after.map(|d| now + d);
                    }
                    run.json.push((now, v));
                }
                () = clear => {
                    clear_at = None;
                    let clear = json!({"event":"clear","streamSid":stream_sid});
                    ws.send(Message::text(clear.to_string())).await.unwrap();
                    run.clear_sent_at = Some(Instant::now());
                }
                () = hang => {
                    hangup_at = None;
                    run.bot_hung_up = true;
                    let _ = ws.close(Some(CloseFrame { code: CloseCode::Normal, reason: "bot hung up".into() })).await;
                }
                () = tokio::time::sleep_until(end.into()) => break,
            }
        }
        run
    })
}

/// The raw PCM WebSocket bot (`rate` Hz both ways).
pub fn pcm_bot(listener: TcpListener, plan: BotPlan, rate: u32) -> JoinHandle<BotRun> {
    tokio::spawn(async move {
        let mut run = BotRun::default();
        let Ok(Ok((tcp, _))) =
            tokio::time::timeout(Duration::from_secs(15), listener.accept()).await
        else {
            return run;
        };
        let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        let mut hangup_at = None;
        let end = Instant::now() + Duration::from_secs(40);
        loop {
            let hang = deadline_sleep(hangup_at);
            tokio::select! {
                m = ws.next() => {
                    let now = Instant::now();
                    let Some(Ok(m)) = m else { break };
                    match m {
                        Message::Text(text) => {
                            let v: Value = serde_json::from_str(text.as_str()).unwrap();
                            if v["event"] == "start" {
                                run.start_at = Some(now);
                                let pcm = tone_at(plan.tone_hz, 8000.0, plan.tone_ms as usize * rate as usize / 1000, 0, rate);
                                let bytes: Vec<u8> = pcm.iter().flat_map(|s| s.to_le_bytes()).collect();
                                for chunk in bytes.chunks(rate as usize / 50 * 2) {
                                    ws.send(Message::binary(chunk.to_vec())).await.unwrap();
                                }
                                run.tone_sent_at = Some(Instant::now());
                                if let Some(name) = plan.mark {
                                    ws.send(Message::text(json!({"event":"mark","name":name}).to_string())).await.unwrap();
                                }
                                hangup_at = plan.hangup_after.map(|d| now + d);
                            }
                            run.json.push((now, v));
                        }
                        Message::Binary(b) => run.frames.push((now, 0x10, b.to_vec())),
                        _ => {}
                    }
                }
                () = hang => {
                    hangup_at = None;
                    run.bot_hung_up = true;
                    ws.send(Message::text(json!({"event":"hangup"}).to_string())).await.unwrap();
                }
                () = tokio::time::sleep_until(end.into()) => break,
            }
        }
        run
    })
}

/// The AudioSocket bot (TCP, 8 kHz).
pub fn audiosocket_bot(listener: TcpListener, plan: BotPlan) -> JoinHandle<BotRun> {
    tokio::spawn(async move {
        let mut run = BotRun::default();
        let Ok(Ok((mut tcp, _))) =
            tokio::time::timeout(Duration::from_secs(15), listener.accept()).await
        else {
            return run;
        };
        let mut hangup_at = None;
        let end = Instant::now() + Duration::from_secs(40);
        let mut pending: Vec<u8> = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let hang = deadline_sleep(hangup_at);
            tokio::select! {
                r = tcp.read(&mut buf) => {
                    let now = Instant::now();
                    let Ok(n) = r else { break };
                    if n == 0 { break }
                    pending.extend_from_slice(&buf[..n]);
                    while pending.len() >= 3 {
                        let len = usize::from(u16::from_be_bytes([pending[1], pending[2]]));
                        if pending.len() < 3 + len { break }
                        let kind = pending[0];
                        let payload = pending[3..3 + len].to_vec();
                        pending.drain(..3 + len);
                        if kind == 0x01 && run.start_at.is_none() {
                            run.start_at = Some(now);
                            let pcm = tone_at(plan.tone_hz, 8000.0, plan.tone_ms as usize * 8, 0, 8000);
                            for chunk in pcm.chunks(160) {
                                let mut frame = vec![0x10, 0x01, 0x40];
                                frame.extend(chunk.iter().flat_map(|s| s.to_le_bytes()));
                                tcp.write_all(&frame).await.unwrap();
                            }
                            run.tone_sent_at = Some(Instant::now());
                            hangup_at = plan.hangup_after.map(|d| now + d);
                        }
                        run.frames.push((now, kind, payload));
                    }
                }
                () = hang => {
                    hangup_at = None;
                    run.bot_hung_up = true;
                    tcp.write_all(&[0x00, 0x00, 0x00]).await.unwrap();
                }
                () = tokio::time::sleep_until(end.into()) => break,
            }
        }
        run
    })
}
