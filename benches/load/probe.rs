//! The cadence probe (`load probe`): a UDP echo for the RTP of a few calls
//! that also notes when each packet arrives, so the gaps between
//! Trunkline's packets can be measured where they land (SIPp cannot report
//! them). The arrival time is the kernel's (`SO_TIMESTAMPNS`), taken when
//! the datagram reaches the socket, so the probe's own scheduling delays on
//! a busy machine do not count. Runs as its own process so its work is not
//! counted as Trunkline's.
//!
//! ```text
//!  stdin "start" ──▶ forget earlier packets, start noting gaps
//!  stdin "stop"  ──▶ print the figures as one JSON line and exit
//!  Trunkline RTP ──▶ recv_from ──▶ note (source, seq, arrival) ──▶ send_to back
//! ```

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

/// The expected packet interval, 20 ms of audio, in ns.
const PTIME_NS: i64 = 20_000_000;

/// What the probe noted since "start".
#[derive(Default)]
struct Notes {
    /// Per source: the last sequence number and when it came (ns).
    last: HashMap<SocketAddr, (u16, i64)>,
    /// Gaps between packets with consecutive sequence numbers, in ns.
    gaps: Vec<i64>,
    packets: u64,
    /// Sequence numbers skipped (lost on the way, or never sent).
    lost: u64,
    /// Packets older than one already seen.
    late: u64,
}

impl Notes {
    fn note(&mut self, from: SocketAddr, seq: u16, at: i64) {
        self.packets += 1;
        match self.last.get(&from).copied() {
            None => {
                self.last.insert(from, (seq, at));
            }
            Some((last, when)) => {
                let ahead = seq.wrapping_sub(last);
                if ahead == 1 {
                    self.gaps.push(at - when);
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
        let mut errors: Vec<i64> = self.gaps.iter().map(|g| (g - PTIME_NS).abs()).collect();
        errors.sort_unstable();
        let pct = |p: f64| -> f64 {
            if errors.is_empty() {
                return f64::NAN;
            }
            let i = ((errors.len() - 1) as f64 * p).round() as usize;
            errors.get(i).copied().unwrap_or(0) as f64 / 1e6
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
    enable_timestamps(&socket).map_err(|e| format!("probe SO_TIMESTAMPNS: {e}"))?;
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
        let Ok((n, from, at)) = recv_stamped(socket, &mut buf) else {
            continue;
        };
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

/// Asks the kernel to stamp each datagram with its arrival time.
fn enable_timestamps(socket: &UdpSocket) -> std::io::Result<()> {
    let on: libc::c_int = 1;
    // SAFETY: a valid socket descriptor and a c_int option value of the given size.
    let r = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_TIMESTAMPNS,
            (&raw const on).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Receives one IPv4 datagram with the kernel's arrival time in ns since
/// the epoch (the time now if the kernel gave none).
fn recv_stamped(socket: &UdpSocket, buf: &mut [u8]) -> std::io::Result<(usize, SocketAddr, i64)> {
    // SAFETY: all-zero bytes are a valid sockaddr_in and msghdr.
    let mut from: libc::sockaddr_in = unsafe { std::mem::zeroed() };
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    let mut control = [0u64; 16];
    msg.msg_name = (&raw mut from).cast();
    msg.msg_namelen = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    msg.msg_iov = &raw mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = std::mem::size_of_val(&control) as _;
    // SAFETY: every pointer in `msg` points at a live buffer of the length given.
    let n = unsafe { libc::recvmsg(socket.as_raw_fd(), &raw mut msg, 0) };
    let n = usize::try_from(n).map_err(|_| std::io::Error::last_os_error())?;
    let mut stamp = None;
    // SAFETY: walks the control messages the kernel wrote into `control`,
    // within the length it set in `msg.msg_controllen`.
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(&raw const msg);
        while !c.is_null() {
            if (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == libc::SCM_TIMESTAMPNS {
                let ts: libc::timespec = std::ptr::read_unaligned(libc::CMSG_DATA(c).cast());
                stamp = Some(ts.tv_sec * 1_000_000_000 + ts.tv_nsec);
            }
            c = libc::CMSG_NXTHDR(&raw const msg, c);
        }
    }
    let ip = Ipv4Addr::from(u32::from_be(from.sin_addr.s_addr));
    let from = SocketAddr::from((ip, u16::from_be(from.sin_port)));
    let now = || {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
    };
    Ok((n, from, stamp.unwrap_or_else(now)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_count_only_between_consecutive_packets() {
        let mut notes = Notes::default();
        let a: SocketAddr = "127.0.0.1:1000".parse().unwrap();
        let t = 1_000_000_000_i64;
        let ms = |m: i64| m * 1_000_000;
        notes.note(a, 10, t);
        notes.note(a, 11, t + ms(20));
        notes.note(a, 12, t + ms(45));
        notes.note(a, 15, t + ms(100)); // 13 and 14 lost
        notes.note(a, 14, t + ms(101)); // late
        notes.note(a, 16, t + ms(120));
        assert_eq!(notes.gaps, [20_000_000, 25_000_000, 20_000_000]);
        assert_eq!((notes.packets, notes.lost, notes.late), (6, 2, 1));
        let r = notes.report();
        assert_eq!(r["cadence_error_p50_ms"], 0.0);
        assert_eq!(r["cadence_error_max_ms"], 5.0);
        assert_eq!(r["streams"], 1);
    }

    #[test]
    fn the_kernel_stamps_each_datagram_on_arrival() {
        let probe = UdpSocket::bind("127.0.0.1:0").unwrap();
        enable_timestamps(&probe).unwrap();
        // The kernel switches stamping on for the whole host in the
        // background; datagrams before that are stamped when read.
        std::thread::sleep(Duration::from_millis(100));
        let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
        let to = probe.local_addr().unwrap();
        sender.send_to(b"one", to).unwrap();
        std::thread::sleep(Duration::from_millis(30));
        sender.send_to(b"two", to).unwrap();
        // Read both only now: the stamps still say when each arrived.
        std::thread::sleep(Duration::from_millis(50));
        let mut buf = [0u8; 64];
        let (n1, from1, t1) = recv_stamped(&probe, &mut buf).unwrap();
        assert_eq!(&buf[..n1], b"one");
        let (n2, from2, t2) = recv_stamped(&probe, &mut buf).unwrap();
        assert_eq!(&buf[..n2], b"two");
        assert_eq!(from1, sender.local_addr().unwrap());
        assert_eq!(from2, from1);
        let gap_ms = (t2 - t1) as f64 / 1e6;
        assert!((29.0..45.0).contains(&gap_ms), "{gap_ms} ms");
    }
}
