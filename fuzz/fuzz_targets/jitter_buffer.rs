//! The jitter buffer fed arbitrary packet sequences with arbitrary arrival
//! times and pops: never a panic, and it never holds more than its ring.
#![no_main]

use std::time::{Duration, Instant};

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use media::jitter::{JitterBuffer, JitterConfig};

fuzz_target!(|data: &[u8]| {
    let start = Instant::now();
    let mut now = start;
    let mut jb = JitterBuffer::new(JitterConfig::default(), 8000);
    // Each 7-byte record: op, time advance (u16, 10 µs units), timestamp (u32).
    for record in data.chunks_exact(7) {
        now += Duration::from_micros(u64::from(u16::from_le_bytes([record[1], record[2]])) * 10);
        let timestamp = u32::from_le_bytes([record[3], record[4], record[5], record[6]]);
        match record[0] % 4 {
            0 => {
                jb.pop(now);
            }
            1 => jb.push(now, timestamp, Bytes::from_static(&[0x55; 160]), true),
            _ => jb.push(now, timestamp, Bytes::from_static(&[0xff; 160]), false),
        }
        assert!(jb.len() <= 4096);
    }
    let stats = jb.stats();
    assert!(stats.frames_played <= stats.frames_received);
});
