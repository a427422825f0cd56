//! The cadence probe (`load probe`): a UDP echo for the RTP of a few calls
//! that also notes when each packet arrives, so the gaps between
//! Trunkline's packets can be measured where they land (SIPp cannot report
//! them). Runs as its own process so its work is not counted as Trunkline's.
//!
//! ```text
//!  stdin "start" ──▶ forget earlier packets, start noting gaps
//!  stdin "stop"  ──▶ print the figures as one JSON line and exit
//!  Trunkline RTP ──▶ recv_from ──▶ note (source, seq, arrival) ──▶ send_to back
//! ```

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The expected packet interval, 20 ms of audio.
const PTIME_US: i64 = 20_000;

/// What the probe noted since "start".
#[derive(Default)]
struct Notes {
    /// Per source: the last sequence number and when it came.
    last: HashMap<SocketAddr, (u16, Instant)>,
    /// Gaps between packets with consecutive sequence numbers, in µs.
    gaps: Vec<i64>,
    packets: u64,
    /// Sequence numbers skipped (lost on the way, or never sent).
    lost: u64,
    /// Packets older than one already seen.
    late: u64,
}

impl Notes {
    fn note(&mut self, from: SocketAddr, seq: u16, at: Instant) {
        self.packets += 1;
        match self.last.get(&from).copied() {
            None => {
                self.last.insert(from, (seq, at));
            }
            Some((last, when)) => {
                let ahead = seq.wrapping_sub(last);
                if ahead == 1 {
                    let gap = at.duration_since(when).as_micros();
                    self.gaps.push(i64::try_from(gap).unwrap_or(i64::MAX));
                } else if ahead == 0 || ahead > u16::MAX / 2 {
                    self.late += 1;
                    return;
                } else {
                    self.lost += u64::from(ahead - 1);
                }
                self.last.insert(from, (seq, at));
            }
        }
    }

    /// The figures: per-gap |gap - 20 ms| percentiles and the loss.
    fn report(&self) -> Value {
        let mut errors: Vec<i64> = self.gaps.iter().map(|g| (g - PTIME_US).abs()).collect();
        errors.sort_unstable();
        let pct = |p: f64| -> f64 {
            if errors.is_empty() {
                return f64::NAN;
            }
            let i = ((errors.len() - 1) as f64 * p).round() as usize;
            errors.get(i).copied().unwrap_or(0) as f64 / 1000.0
        };
        let expected = self.packets + self.lost;
        json!({
            "streams": self.last.len(),
            "packets": self.packets,
            "gaps": self.gaps.len(),
            "lost": self.lost,
            "late": self.late,
            "loss": if expected > 0 { self.lost as f64 / expected as f64 } else { f64::NAN },
            "cadence_error_p50_ms": pct(0.5),
            "cadence_error_p99_ms": pct(0.99),
            "cadence_error_max_ms": pct(1.0),
        })
    }
}

/// Runs the probe until "stop" on stdin (or stdin closing).
pub fn run() -> Result<(), String> {
    let socket = UdpSocket::bind("127.0.0.1:0").map_err(|e| format!("probe bind: {e}"))?;
    let addr = socket.local_addr().map_err(|e| e.to_string())?;
    socket
        .set_read_timeout(Some(Duration::from_millis(100)))
        .map_err(|e| e.to_string())?;
    println!("PROBE {addr}");
    std::io::stdout().flush().map_err(|e| e.to_string())?;

    let recording = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicBool::new(false));
    let notes = Arc::new(Mutex::new(Notes::default()));
    let echo = {
        let (recording, done, notes) = (recording.clone(), done.clone(), notes.clone());
        std::thread::spawn(move || echo_loop(&socket, &recording, &done, &notes))
    };
    for line in std::io::stdin().lock().lines() {
        match line.map_err(|e| e.to_string())?.trim() {
            "start" => {
                if let Ok(mut n) = notes.lock() {
                    *n = Notes::default();
                }
                recording.store(true, Ordering::Release);
            }
            "stop" => break,
            other => eprintln!("probe: unknown command {other:?} (start | stop)"),
        }
    }
    recording.store(false, Ordering::Release);
    done.store(true, Ordering::Release);
    let _ = echo.join();
    let report = notes
        .lock()
        .map(|n| n.report())
        .map_err(|_| "probe: the echo thread panicked".to_owned())?;
    println!("{report}");
    Ok(())
}

fn echo_loop(socket: &UdpSocket, recording: &AtomicBool, done: &AtomicBool, notes: &Mutex<Notes>) {
    let mut buf = [0u8; 2048];
    while !done.load(Ordering::Acquire) {
        let Ok((n, from)) = socket.recv_from(&mut buf) else {
            continue;
        };
        let at = Instant::now();
        let packet = buf.get(..n).unwrap_or_default();
        let _ = socket.send_to(packet, from);
        // RTP version 2 with a whole header.
        if n >= 12 && buf[0] >> 6 == 2 && recording.load(Ordering::Acquire) {
            let seq = u16::from_be_bytes([buf[2], buf[3]]);
            if let Ok(mut notes) = notes.lock() {
                notes.note(from, seq, at);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_count_only_between_consecutive_packets() {
        let mut notes = Notes::default();
        let a: SocketAddr = "127.0.0.1:1000".parse().unwrap();
        let t = Instant::now();
        let ms = Duration::from_millis;
        notes.note(a, 10, t);
        notes.note(a, 11, t + ms(20));
        notes.note(a, 12, t + ms(45));
        notes.note(a, 15, t + ms(100)); // 13 and 14 lost
        notes.note(a, 14, t + ms(101)); // late
        notes.note(a, 16, t + ms(120));
        assert_eq!(notes.gaps, [20_000, 25_000, 20_000]);
        assert_eq!((notes.packets, notes.lost, notes.late), (6, 2, 1));
        let r = notes.report();
        assert_eq!(r["cadence_error_p50_ms"], 0.0);
        assert_eq!(r["cadence_error_max_ms"], 5.0);
        assert_eq!(r["streams"], 1);
    }
}
