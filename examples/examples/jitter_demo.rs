//! The adaptive jitter buffer of the `media` crate over a simulated lossy,
//! jittery link, in simulated time (no sleeping): 20 ms PCMU packets leave
//! on a steady clock, some are lost, the rest arrive after a random delay;
//! the buffer is popped every 20 ms as a call's playout would.
//!
//! ```text
//! cargo run -p trunkline-examples --example jitter_demo -- [loss-percent] [jitter-ms] [seconds] [seed]
//! ```
//! Defaults: 3 % loss, up to 60 ms of jitter, 20 s, seed 1. It prints what
//! was played and the buffer's counters.

use std::error::Error;
use std::time::{Duration, Instant};

use bytes::Bytes;
use media::jitter::{JitterBuffer, JitterConfig, Playout};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};

const FRAME: Duration = Duration::from_millis(20);
/// The link's fixed one-way delay.
const BASE_DELAY: Duration = Duration::from_millis(30);

fn arg<T: std::str::FromStr>(args: &[String], i: usize, default: T) -> Result<T, Box<dyn Error>> {
    match args.get(i) {
        Some(text) => text
            .parse()
            .map_err(|_| format!("argument {}: '{text}' is not a number", i + 1).into()),
        None => Ok(default),
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let loss: f64 = arg(&args, 0, 3.0)?;
    let jitter_ms: u64 = arg(&args, 1, 60)?;
    let seconds: u32 = arg(&args, 2, 20)?;
    let seed: u64 = arg(&args, 3, 1)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut uniform = move || f64::from(rng.next_u32()) / f64::from(u32::MAX);

    // Every packet the sender emits: (arrival offset, RTP timestamp), lost ones left out.
    let packets = seconds * 50;
    let mut arrivals: Vec<(Duration, u32)> = Vec::new();
    for i in 0..packets {
        if uniform() * 100.0 < loss {
            continue;
        }
        let jitter = Duration::from_micros((uniform() * jitter_ms as f64 * 1000.0) as u64);
        arrivals.push((FRAME * i + BASE_DELAY + jitter, i * 160));
    }
    let delivered = arrivals.len();
    arrivals.sort_unstable();

    // The receiver: push what has arrived, pop one frame every 20 ms.
    let epoch = Instant::now();
    let mut buffer = JitterBuffer::new(JitterConfig::default(), 8000);
    let (mut played, mut compressed, mut concealed, mut silent) = (0u32, 0u32, 0u32, 0u32);
    let mut next = arrivals.into_iter().peekable();
    // Until everything delivered has arrived and been played (at most a second more).
    for tick in 0..packets + 50 {
        if next.peek().is_none() && buffer.is_empty() {
            break;
        }
        let now = epoch + FRAME * tick;
        while let Some((at, timestamp)) = next.next_if(|(at, _)| epoch + *at <= now) {
            buffer.push(epoch + at, timestamp, Bytes::from(vec![0xff; 160]), false);
        }
        match buffer.pop(now) {
            Playout::Frame { .. } => played += 1,
            Playout::Compress { .. } => compressed += 1,
            Playout::Conceal => concealed += 1,
            Playout::Silence => silent += 1,
        }
    }

    let s = buffer.stats();
    println!(
        "link: loss {loss} %, jitter 0-{jitter_ms} ms, seed {seed}, sent {packets}, delivered {delivered}"
    );
    println!(
        "playout: played {played}, compressed {compressed}, concealed {concealed}, silent {silent}"
    );
    println!(
        "buffer: delay {} ms, target {} ms, received {}, missing {}, late {}, skipped {}, expand {}, accelerate {}",
        s.current_delay.as_millis(),
        s.target_delay.as_millis(),
        s.frames_received,
        s.frames_missing,
        s.frames_late,
        s.frames_skipped,
        s.expand_events,
        s.accelerate_events,
    );
    Ok(())
}
