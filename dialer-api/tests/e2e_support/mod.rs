//! Shared pieces of the end-to-end tests: the real `trunkline serve` process, SIPp as a trunk
//! that answers per dialed number and logs every dial, a multi-call Twilio handler, and an
//! HTTP client for the API.

#![allow(dead_code)]

pub mod api;
#[path = "../sipp_support/available.rs"]
mod available;
pub mod handler;
pub mod serve;
pub mod trunk;

/// The trunk account the tests configure (SIPp checks the digest with it).
pub const TRUNK_USER: &str = "646006395";
/// The trunk password: it must never appear in an API response or a log line.
pub const TRUNK_PASSWORD: &str = "pw-Zq8#e2e-never-logged";
/// The digest realm of the SIPp trunk.
pub const REALM: &str = "trunk.e2e";

/// A free port on 127.0.0.1 (TCP).
pub fn free_tcp_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free TCP port")
}

/// A free port on 127.0.0.1 (UDP).
pub fn free_udp_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .map(|a| a.port())
        .expect("a free UDP port")
}
