//! Jitter buffer scenarios written as scripts, in the spirit of PJSIP's
//! jbuf tests (own format, own scenarios).
//!
//! A script is a line of tokens, each optionally repeated with `xN`:
//! `P` put the next frame now; `C` put the next frame as an RFC 3389
//! comfort-noise payload; `G` get one frame, then advance the clock
//! 20 ms; `L` lose the next frame (the sender sent it, it never arrives);
//! `R` reorder: put the frame after next, then the next; `D` put the last
//! frame again; `O<k>` put the frame sent k frames ago; `J<k>` / `J-<k>`
//! the sender's timestamps jump k frames forward / back. A token made of
//! several letters, such as `PGx10` or `PPGGx5`, repeats the whole group;
//! `(tokens)xN` repeats a sequence of tokens.
//!
//! Expectations bound the buffer's counters at the end and the playout
//! delay seen at every get after the first second.

use std::time::{Duration, Instant};

use bytes::Bytes;
use media::jitter::{FramePayload, JitterBuffer, JitterConfig, Playout};

struct Scenario {
    name: &'static str,
    script: &'static str,
    expect: &'static str,
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "steady stream",
        script: "PGx1500",
        expect: "missing=0 late=0 discard=0 conceal=0 resync=0 maxdelay<=80 enddelay<=40",
    },
    Scenario {
        name: "bursts of five every 100 ms",
        script: "PPPPPGGGGGx400",
        expect: "late<=5 discard=0 conceal<=10 maxdelay<=140 enddelay<=120",
    },
    Scenario {
        name: "random single losses",
        script: "PGx100 LGx1 PGx37 LGx1 PGx80 LGx1 PGx51 LGx1 PGx200",
        expect: "missing=4 late=0 conceal=4 events=4 discard=0 maxdelay<=80",
    },
    Scenario {
        name: "a burst of six lost",
        script: "PGx200 LGx6 PGx200",
        expect: "missing=6 conceal=5 events=1 late=0 discard=0",
    },
    Scenario {
        name: "pairs swapped in transit",
        script: "PGx100 RGGx200",
        expect: "late=0 missing=0 dup=0 discard=0 maxdelay<=80",
    },
    Scenario {
        name: "every frame duplicated",
        script: "PGx100 PDGx300",
        expect: "dup=300 late=0 missing=0 discard=0",
    },
    Scenario {
        name: "one very old packet",
        script: "PGx300 O150 PGx100",
        expect: "late=1 discard=0 resync=0 missing=0",
    },
    Scenario {
        name: "a lost packet turning up 200 ms late",
        script: "PGx300 LGx1 PGx10 O11 PGx100",
        expect: "late=1 missing=1 discard=0 resync=0",
    },
    Scenario {
        name: "a packet played, then replayed by the network",
        script: "PGx300 O6 PGx100",
        expect: "dup=1 late=0 discard=0 resync=0 missing=0",
    },
    Scenario {
        name: "timestamps jump 2 s forward",
        script: "PGx300 J100 PGx300",
        expect: "resync=1 discard=1 missing<=4 late=0 enddelay<=60",
    },
    Scenario {
        name: "timestamps jump 200 ms forward",
        script: "PGx300 J10 PGx300",
        expect: "resync=0 discard=0 missing<=2 late=0 enddelay<=60",
    },
    Scenario {
        name: "timestamps jump 2 s back",
        script: "PGx300 J-100 PGx300",
        expect: "resync=1 late=1 discard=0 missing<=4 enddelay<=60",
    },
    Scenario {
        name: "sender silent for 2 s (DTX), timestamps run on",
        script: "PGx200 LGx100 PGx200",
        expect: "resync=0 conceal=5 events=1 late=0 discard=0 enddelay<=60",
    },
    Scenario {
        name: "comfort noise, then 2 s of DTX: nothing is lost",
        script: "PGx200 CG LGx100 PGx200",
        expect: "missing=0 conceal=0 events=0 late=0 discard=0 resync=0 enddelay<=60",
    },
    Scenario {
        name: "a 120 ms spike every second: only the first two hurt",
        script: "PGx300 (GGGGGGPPPPPPPG PGx43)x20",
        expect: "late<=10 missing<=10 discard=0 maxdelay<=200 enddelay>=120 enddelay<=160",
    },
    Scenario {
        name: "spikes stop: the delay shrinks back slowly",
        script: "PGx300 (GGGGGGPPPPPPPG PGx43)x20 PGx1000",
        expect: "late<=10 discard=0 enddelay<=60",
    },
];

#[derive(Default)]
struct Outcome {
    played: Vec<u32>,
    max_delay: Duration,
    end_delay: Duration,
}

fn frame_timestamp(frame: i64, jump_frames: i64) -> u32 {
    const BASE: i64 = 0x7fff_f000;
    (BASE + (frame + jump_frames) * 160) as u32
}

fn run(script: &str) -> (Outcome, media::jitter::JitterStats) {
    let start = Instant::now();
    let mut now = start;
    let mut jb = JitterBuffer::new(JitterConfig::default(), 8000);
    let mut next: i64 = 0;
    let mut jump: i64 = 0;
    let mut gets = 0u32;
    let mut out = Outcome::default();
    let put_as = |jb: &mut JitterBuffer, now: Instant, frame: i64, jump: i64, cn: bool| {
        let payload = Bytes::copy_from_slice(&(frame as u32).to_be_bytes());
        jb.push(now, frame_timestamp(frame, jump), payload, cn);
    };
    let put = |jb: &mut JitterBuffer, now: Instant, frame: i64, jump: i64| {
        put_as(jb, now, frame, jump, false)
    };
    for op in expand(script) {
        match op {
            Op::Jump(k) => jump += k,
            Op::Old(k) => put(&mut jb, now, next - k, jump),
            Op::Put => {
                put(&mut jb, now, next, jump);
                next += 1;
            }
            Op::ComfortNoise => {
                put_as(&mut jb, now, next, jump, true);
                next += 1;
            }
            Op::Lose => next += 1,
            Op::Reorder => {
                put(&mut jb, now, next + 1, jump);
                put(&mut jb, now, next, jump);
                next += 2;
            }
            Op::Duplicate => put(&mut jb, now, next - 1, jump),
            Op::Get => {
                match jb.pop(now) {
                    Playout::Frame { payload, .. } => out.played.push(frame_number(&payload)),
                    Playout::Compress { first, second } => {
                        out.played.push(frame_number(&first));
                        out.played.push(frame_number(&second));
                    }
                    Playout::Conceal | Playout::Silence => {}
                }
                gets += 1;
                let delay = jb.stats().current_delay;
                if gets > 50 {
                    out.max_delay = out.max_delay.max(delay);
                }
                out.end_delay = delay;
                now += Duration::from_millis(20);
            }
        }
    }
    (out, jb.stats())
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Put,
    ComfortNoise,
    Get,
    Lose,
    Reorder,
    Duplicate,
    Old(i64),
    Jump(i64),
}

/// Expands a script into its operations.
fn expand(script: &str) -> Vec<Op> {
    let mut ops = Vec::new();
    let mut rest = script.trim();
    while !rest.is_empty() {
        if let Some(inner) = rest.strip_prefix('(') {
            let close = inner.find(')').expect("unclosed group");
            let group = expand(&inner[..close]);
            let after = &inner[close + 1..];
            let (count, tail) = repeat_suffix(after);
            for _ in 0..count {
                ops.extend_from_slice(&group);
            }
            rest = tail.trim_start();
            continue;
        }
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let token = &rest[..end];
        rest = rest[end..].trim_start();
        let (body, count) = match token.split_once('x') {
            Some((b, n)) => (b, n.parse::<usize>().expect("repeat count")),
            None => (token, 1),
        };
        if let Some(k) = body.strip_prefix('J') {
            ops.push(Op::Jump(k.parse().expect("jump size")));
            continue;
        }
        if let Some(k) = body.strip_prefix('O') {
            ops.push(Op::Old(k.parse().expect("age")));
            continue;
        }
        for _ in 0..count {
            for letter in body.chars() {
                ops.push(match letter {
                    'P' => Op::Put,
                    'C' => Op::ComfortNoise,
                    'G' => Op::Get,
                    'L' => Op::Lose,
                    'R' => Op::Reorder,
                    'D' => Op::Duplicate,
                    other => panic!("unknown script op {other:?}"),
                });
            }
        }
    }
    ops
}

fn repeat_suffix(s: &str) -> (usize, &str) {
    match s.strip_prefix('x') {
        Some(digits) => {
            let end = digits
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(digits.len());
            (
                digits[..end].parse().expect("group repeat count"),
                &digits[end..],
            )
        }
        None => (1, s),
    }
}

fn frame_number(payload: &FramePayload) -> u32 {
    let bytes = payload.first_bytes().expect("whole frames only");
    u32::from_be_bytes(bytes[..4].try_into().expect("4-byte test payload"))
}

fn check(scenario: &Scenario) -> Result<String, String> {
    let (out, stats) = run(scenario.script);
    if out.played.windows(2).any(|w| w[1] <= w[0]) {
        return Err(format!(
            "frames played out of order or twice: {:?}",
            out.played
        ));
    }
    let concealed_frames = stats.concealed_samples / 160;
    let summary = format!(
        "played={} missing={} late={} discard={} dup={} conceal={} events={} resync={} expand={} accel={} maxdelay={:?} enddelay={:?}",
        out.played.len(),
        stats.frames_missing,
        stats.frames_late,
        stats.frames_discarded,
        stats.frames_duplicated,
        concealed_frames,
        stats.concealment_events,
        stats.resyncs,
        stats.expand_events,
        stats.accelerate_events,
        out.max_delay,
        out.end_delay
    );
    for expectation in scenario.expect.split_whitespace() {
        let (key, op, bound) = if let Some((k, v)) = expectation.split_once("<=") {
            (k, "<=", v)
        } else if let Some((k, v)) = expectation.split_once(">=") {
            (k, ">=", v)
        } else if let Some((k, v)) = expectation.split_once('=') {
            (k, "=", v)
        } else {
            return Err(format!("bad expectation {expectation}"));
        };
        let bound: u64 = bound
            .parse()
            .map_err(|_| format!("bad bound in {expectation}"))?;
        let actual = match key {
            "missing" => stats.frames_missing,
            "late" => stats.frames_late,
            "discard" => stats.frames_discarded,
            "dup" => stats.frames_duplicated,
            "conceal" => concealed_frames,
            "events" => stats.concealment_events,
            "resync" => stats.resyncs,
            "maxdelay" => out.max_delay.as_millis() as u64,
            "enddelay" => out.end_delay.as_millis() as u64,
            other => return Err(format!("unknown key {other}")),
        };
        let ok = match op {
            "<=" => actual <= bound,
            ">=" => actual >= bound,
            _ => actual == bound,
        };
        if !ok {
            return Err(format!("{expectation} failed (got {actual}); {summary}"));
        }
    }
    Ok(summary)
}

#[test]
fn jitter_buffer_scenarios() {
    let mut failures = Vec::new();
    for scenario in SCENARIOS {
        match check(scenario) {
            Ok(summary) => println!("ok   {:<50} {summary}", scenario.name),
            Err(why) => {
                println!("FAIL {:<50} {why}", scenario.name);
                failures.push(scenario.name);
            }
        }
    }
    assert!(failures.is_empty(), "failed scenarios: {failures:?}");
}
