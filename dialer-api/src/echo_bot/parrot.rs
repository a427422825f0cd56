//! One call's behaviour, without I/O: greet, wait for the greeting's mark,
//! then repeat each utterance back after a pause; `clear` on `*` (and on
//! speech over the bot's audio when asked). Messages in; messages to send
//! and events out.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;

use codecs::g711;

use super::chime::chime;
use super::config::EchoBotConfig;
use super::event::{BotCallReport, BotEvent, HangupBy};
use super::protocol::StreamMessage;
use crate::handler::twilio::TwilioInbound;

/// The mark sent after the greeting.
pub const GREETING_MARK: &str = "greeting";
/// u-law bytes per 20 ms message.
const CHUNK: usize = 160;
/// Loud frames in a row that count as talking over the bot.
const BARGE_IN_FRAMES: u32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// No `start` yet.
    Waiting,
    /// The greeting is playing; the callee is not listened to.
    Greeting,
    /// Listening and repeating.
    Listening,
    /// `stop` arrived.
    Stopped,
}

/// The call logic of one connection.
#[derive(Debug)]
pub(super) struct Parrot {
    pause_frames: u32,
    max_frames: usize,
    speech_level: f64,
    barge_in: bool,
    phase: Phase,
    /// Marks sent and not yet returned, oldest first.
    outstanding: VecDeque<String>,
    utterance: Vec<u8>,
    heard_speech: bool,
    silent_run: u32,
    loud_run: u32,
    report: BotCallReport,
    events: Vec<BotEvent>,
}

impl Parrot {
    pub(super) fn new(config: &EchoBotConfig, peer: SocketAddr) -> Parrot {
        let frames = |d: std::time::Duration| (d.as_millis() / 20) as u32;
        Parrot {
            pause_frames: frames(config.pause).max(1),
            max_frames: frames(config.max_utterance).max(1) as usize,
            speech_level: config.speech_level,
            barge_in: config.barge_in_on_speech,
            phase: Phase::Waiting,
            outstanding: VecDeque::new(),
            utterance: Vec::new(),
            heard_speech: false,
            silent_run: 0,
            loud_run: 0,
            report: BotCallReport {
                peer,
                stream_sid: String::new(),
                call_sid: String::new(),
                custom_parameters: BTreeMap::new(),
                hangup_by: HangupBy::Closed,
                media_received: 0,
                speech_frames: 0,
                utterances_echoed: 0,
                frames_echoed: 0,
                marks_sent: 0,
                marks_returned: 0,
                clears_sent: 0,
                dtmf: String::new(),
                bad_messages: 0,
                duration_ms: 0,
            },
            events: Vec::new(),
        }
    }

    /// Whether `start` has arrived.
    pub(super) fn started(&self) -> bool {
        self.phase != Phase::Waiting
    }

    /// Whether `stop` has arrived.
    pub(super) fn stopped(&self) -> bool {
        self.phase == Phase::Stopped
    }

    /// The stream id (empty before `start`).
    pub(super) fn stream_sid(&self) -> &str {
        &self.report.stream_sid
    }

    /// Events since the last call.
    pub(super) fn take_events(&mut self) -> Vec<BotEvent> {
        std::mem::take(&mut self.events)
    }

    /// A message that could not be read.
    pub(super) fn bad_message(&mut self, reason: String) {
        self.report.bad_messages += 1;
        self.events.push(BotEvent::BadMessage {
            stream_sid: self.report.stream_sid.clone(),
            reason,
        });
    }

    /// The report, for the end of the call.
    pub(super) fn finish(mut self, hangup_by: HangupBy, duration_ms: u64) -> BotCallReport {
        self.report.hangup_by = hangup_by;
        self.report.duration_ms = duration_ms;
        self.report
    }

    fn send_audio(&self, ulaw: &[u8], out: &mut Vec<TwilioInbound>) {
        for chunk in ulaw.chunks(CHUNK) {
            out.push(TwilioInbound::Media {
                stream_sid: Some(self.report.stream_sid.clone()),
                ulaw: chunk.to_vec(),
            });
        }
    }

    fn send_mark(&mut self, name: String, out: &mut Vec<TwilioInbound>) {
        self.outstanding.push_back(name.clone());
        self.report.marks_sent += 1;
        out.push(TwilioInbound::Mark {
            stream_sid: Some(self.report.stream_sid.clone()),
            name,
        });
    }

    fn clear(&mut self, reason: &str, out: &mut Vec<TwilioInbound>) {
        self.report.clears_sent += 1;
        out.push(TwilioInbound::Clear {
            stream_sid: Some(self.report.stream_sid.clone()),
        });
        self.events.push(BotEvent::Cleared {
            stream_sid: self.report.stream_sid.clone(),
            reason: reason.to_owned(),
        });
    }

    /// Takes in one message; returns what to send back, in order.
    pub(super) fn on_message(&mut self, message: StreamMessage) -> Vec<TwilioInbound> {
        let mut out = Vec::new();
        match message {
            StreamMessage::Start {
                stream_sid,
                call_sid,
                custom_parameters,
                ..
            } if self.phase == Phase::Waiting => {
                self.report.stream_sid = stream_sid.clone();
                self.report.call_sid = call_sid.clone();
                self.report.custom_parameters = custom_parameters;
                self.phase = Phase::Greeting;
                self.events.push(BotEvent::Started {
                    stream_sid,
                    call_sid,
                });
                let pcm = chime();
                let mut ulaw = vec![0u8; pcm.len()];
                g711::ulaw_encode_slice(&pcm, &mut ulaw);
                self.send_audio(&ulaw, &mut out);
                self.send_mark(GREETING_MARK.to_owned(), &mut out);
            }
            StreamMessage::Media { ulaw, .. } if self.started() => {
                self.report.media_received += 1;
                self.on_audio(&ulaw, &mut out);
            }
            StreamMessage::Mark { name } => {
                if let Some(i) = self.outstanding.iter().position(|m| *m == name) {
                    self.outstanding.remove(i);
                    self.report.marks_returned += 1;
                    if name == GREETING_MARK && self.phase == Phase::Greeting {
                        self.phase = Phase::Listening;
                    }
                }
                self.events.push(BotEvent::MarkReturned {
                    stream_sid: self.report.stream_sid.clone(),
                    name,
                });
            }
            StreamMessage::Dtmf { digit } => {
                self.report.dtmf.push(digit);
                if digit == '*' && !self.outstanding.is_empty() {
                    self.clear("dtmf", &mut out);
                }
            }
            StreamMessage::Stop => self.phase = Phase::Stopped,
            StreamMessage::Connected { .. }
            | StreamMessage::Start { .. }
            | StreamMessage::Media { .. }
            | StreamMessage::Other { .. } => {}
        }
        out
    }

    fn on_audio(&mut self, ulaw: &[u8], out: &mut Vec<TwilioInbound>) {
        let loud = rms(ulaw) > self.speech_level;
        if loud {
            self.report.speech_frames += 1;
            self.loud_run += 1;
        } else {
            self.loud_run = 0;
        }
        if self.phase != Phase::Listening {
            return;
        }
        if !self.outstanding.is_empty() {
            // The bot is talking: half duplex, nothing is recorded.
            if self.barge_in && self.loud_run == BARGE_IN_FRAMES {
                self.clear("speech", out);
            }
            return;
        }
        if loud {
            self.heard_speech = true;
            self.silent_run = 0;
            self.utterance.extend_from_slice(ulaw);
        } else if self.heard_speech {
            self.silent_run += 1;
            self.utterance.extend_from_slice(ulaw);
        }
        let frames = self.utterance.len() / CHUNK;
        let paused = self.heard_speech && self.silent_run >= self.pause_frames;
        if paused || frames >= self.max_frames {
            let trailing = (self.silent_run as usize * ulaw.len()).min(self.utterance.len());
            self.utterance.truncate(self.utterance.len() - trailing);
            let utterance = std::mem::take(&mut self.utterance);
            let frames = utterance.len().div_ceil(CHUNK) as u64;
            self.heard_speech = false;
            self.silent_run = 0;
            if frames == 0 {
                return;
            }
            self.send_audio(&utterance, out);
            self.report.utterances_echoed += 1;
            self.report.frames_echoed += frames;
            let mark = format!("echo-{}", self.report.utterances_echoed);
            self.send_mark(mark.clone(), out);
            self.events.push(BotEvent::Echoed {
                stream_sid: self.report.stream_sid.clone(),
                frames,
                mark,
            });
        }
    }
}

/// RMS of u-law audio as 16-bit PCM.
fn rms(ulaw: &[u8]) -> f64 {
    if ulaw.is_empty() {
        return 0.0;
    }
    let sum: f64 = ulaw
        .iter()
        .map(|b| f64::from(g711::ulaw_decode(*b)).powi(2))
        .sum();
    (sum / ulaw.len() as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn start() -> StreamMessage {
        StreamMessage::Start {
            stream_sid: "MZ1".into(),
            account_sid: "AC1".into(),
            call_sid: "CA1".into(),
            tracks: vec!["inbound".into()],
            custom_parameters: BTreeMap::new(),
            media_format: super::super::protocol::MediaFormat {
                encoding: "audio/x-mulaw".into(),
                sample_rate: 8000,
                channels: 1,
            },
        }
    }

    fn frame(loud: bool) -> StreamMessage {
        let pcm: Vec<i16> = (0..160)
            .map(|n| {
                if loud {
                    if n % 16 < 8 { 3000 } else { -3000 }
                } else {
                    0
                }
            })
            .collect();
        let mut ulaw = vec![0u8; 160];
        g711::ulaw_encode_slice(&pcm, &mut ulaw);
        StreamMessage::Media {
            chunk: 0,
            timestamp: 0,
            ulaw,
        }
    }

    fn parrot(barge_in: bool) -> Parrot {
        let config = EchoBotConfig {
            pause: Duration::from_millis(100),
            barge_in_on_speech: barge_in,
            ..EchoBotConfig::loopback()
        };
        Parrot::new(&config, "127.0.0.1:1".parse().unwrap())
    }

    fn kinds(out: &[TwilioInbound]) -> String {
        out.iter()
            .map(|m| match m {
                TwilioInbound::Media { .. } => "m",
                TwilioInbound::Mark { .. } => "M",
                TwilioInbound::Clear { .. } => "C",
                _ => "?",
            })
            .collect()
    }

    #[test]
    fn greets_waits_for_the_mark_then_repeats_after_a_pause() {
        let mut p = parrot(false);
        assert!(p.on_message(frame(true)).is_empty(), "nothing before start");
        let greeting = p.on_message(start());
        assert_eq!(kinds(&greeting), format!("{}M", "m".repeat(30)));
        // Speech during the greeting is not repeated.
        for _ in 0..20 {
            assert!(p.on_message(frame(true)).is_empty());
        }
        for _ in 0..10 {
            assert!(p.on_message(frame(false)).is_empty());
        }
        p.on_message(StreamMessage::Mark {
            name: GREETING_MARK.into(),
        });
        // 12 frames of speech, then 5 silent frames (100 ms) end the utterance.
        for _ in 0..12 {
            assert!(p.on_message(frame(true)).is_empty());
        }
        for _ in 0..4 {
            assert!(p.on_message(frame(false)).is_empty());
        }
        let echo = p.on_message(frame(false));
        assert_eq!(kinds(&echo), format!("{}M", "m".repeat(12)));
        // While the echo plays, nothing is recorded.
        for _ in 0..20 {
            assert!(p.on_message(frame(true)).is_empty());
        }
        p.on_message(StreamMessage::Mark {
            name: "echo-1".into(),
        });
        let r = p.finish(HangupBy::Bot, 1);
        assert_eq!((r.utterances_echoed, r.frames_echoed), (1, 12));
        assert_eq!((r.marks_sent, r.marks_returned), (2, 2));
        assert_eq!(r.speech_frames, 52);
        assert_eq!(r.media_received, 67);
    }

    #[test]
    fn star_or_speech_over_the_bot_clears() {
        let mut p = parrot(false);
        p.on_message(start());
        let out = p.on_message(StreamMessage::Dtmf { digit: '*' });
        assert_eq!(kinds(&out), "C");
        assert!(p.on_message(StreamMessage::Dtmf { digit: '5' }).is_empty());
        p.on_message(StreamMessage::Mark {
            name: GREETING_MARK.into(),
        });
        assert!(
            p.on_message(StreamMessage::Dtmf { digit: '*' }).is_empty(),
            "nothing to clear"
        );

        let mut p = parrot(true);
        p.on_message(start());
        p.on_message(StreamMessage::Mark {
            name: GREETING_MARK.into(),
        });
        for _ in 0..3 {
            p.on_message(frame(true));
        }
        for _ in 0..5 {
            p.on_message(frame(false));
        }
        // The echo is playing; the callee talks over it.
        let a = p.on_message(frame(true));
        let b = p.on_message(frame(true));
        let c = p.on_message(frame(true));
        assert!(a.is_empty() && b.is_empty());
        assert_eq!(kinds(&c), "C");
        let r = p.finish(HangupBy::Trunkline, 0);
        assert_eq!(r.clears_sent, 1);
        assert_eq!(r.dtmf, "");
    }

    #[test]
    fn long_speech_is_cut_at_the_maximum() {
        let config = EchoBotConfig {
            max_utterance: Duration::from_millis(200),
            ..EchoBotConfig::loopback()
        };
        let mut p = Parrot::new(&config, "127.0.0.1:1".parse().unwrap());
        p.on_message(start());
        p.on_message(StreamMessage::Mark {
            name: GREETING_MARK.into(),
        });
        let mut sent = Vec::new();
        for _ in 0..10 {
            sent.extend(p.on_message(frame(true)));
        }
        assert_eq!(kinds(&sent), format!("{}M", "m".repeat(10)));
    }
}
