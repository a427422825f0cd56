//! The steady state of a call allocates (almost) nothing per packet: the
//! receive path works on slices of the received datagram and fixed rings,
//! the send path writes into a shared arena that is reclaimed once the
//! driver has sent what it took.

use std::alloc::{GlobalAlloc, Layout, System};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use codecs::Codec;
use media::rtp::RtpHeader;
use media::{MediaConfig, MediaSession};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn steady_state_allocates_less_than_once_per_hundred_packets() {
    let remote = SocketAddr::from(([10, 0, 0, 2], 4000));
    let start = Instant::now();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut session =
        MediaSession::new(MediaConfig::new(Codec::Pcmu, remote), &mut rng, start).unwrap();
    let bot = vec![1000i16; 160];
    // The driver's receive buffer: one datagram at a time, as from a socket.
    let mut receive = BytesMut::with_capacity(64 * 1024);
    let mut run = |ticks: u64, from: u64| {
        for k in from..from + ticks {
            let now = start + Duration::from_millis(20 * k);
            if receive.capacity() < 1500 {
                receive.reserve(64 * 1024);
            }
            RtpHeader {
                marker: false,
                payload_type: 0,
                sequence: k as u16,
                timestamp: (k * 160) as u32,
                ssrc: 99,
            }
            .write(&[0x55; 160], &mut receive);
            let datagram: Bytes = receive.split().freeze();
            session.handle_rtp(now, remote, datagram);
            session.queue_outbound(&bot, 8000).unwrap();
            session.handle_timeout(now);
            while session.poll_transmit().is_some() {}
            while session.poll_event().is_some() {}
            while session.poll_inbound_frame().is_some() {}
        }
    };
    // Warm up: windows fill, rings and queues reach their working size.
    run(3000, 0);
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    run(3000, 3000);
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
    // 3000 ticks = 6000 packets in and out, and about 10 RTCP reports.
    println!("{allocations} allocations over 3000 ticks");
    assert!(allocations <= 60, "{allocations} allocations in 3000 ticks");
}
