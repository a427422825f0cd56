//! A register-only SIP user agent: the sans-IO `Endpoint` of `sip-core`
//! driven by a std `UdpSocket` and the real clock.
//!
//! ```text
//! cargo run -p trunkline-examples --example register_ua -- 127.0.0.1:5070 alice secret [stay-seconds]
//! ```
//! It registers (answering the digest challenge), prints the outcome, stays
//! registered for `stay-seconds` (default 0), un-registers and exits.

use std::error::Error;
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::time::{Duration, Instant};

use bytes::Bytes;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use sip_core::endpoint::{
    Account, Command, Endpoint, EndpointConfig, Event, Input, Output, Proxy, RegistrationEvent,
};

/// Drives the endpoint until `done` accepts an event or `limit` passes.
fn drive(
    ep: &mut Endpoint,
    socket: &UdpSocket,
    limit: Duration,
    done: impl Fn(&RegistrationEvent) -> bool,
) -> Result<bool, Box<dyn Error>> {
    let end = Instant::now() + limit;
    let mut buf = vec![0u8; 65_535];
    loop {
        let mut deadline = end;
        while let Some(output) = ep.poll_output() {
            match output {
                Output::Transmit(t) => {
                    socket.send_to(&t.data, t.to)?;
                }
                Output::Event(Event::Registration(e)) => {
                    println!("{e}");
                    if done(&e) {
                        return Ok(true);
                    }
                }
                Output::Event(other) => println!("{other:?}"),
                Output::Timeout(at) => {
                    deadline = deadline.min(at);
                    break;
                }
            }
        }
        let now = Instant::now();
        if now >= end {
            return Ok(false);
        }
        socket.set_read_timeout(Some(
            deadline
                .saturating_duration_since(now)
                .max(Duration::from_millis(1)),
        ))?;
        let input = match socket.recv_from(&mut buf) {
            Ok((n, from)) => Input::Receive {
                now: Instant::now(),
                from,
                data: Bytes::copy_from_slice(&buf[..n]),
            },
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                Input::Timeout(Instant::now())
            }
            Err(e) => return Err(e.into()),
        };
        ep.handle_input(input)?;
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, registrar, user, password, rest @ ..] = args.as_slice() else {
        return Err(
            "usage: register_ua <registrar host:port> <user> <password> [stay-seconds]".into(),
        );
    };
    let stay = Duration::from_secs(rest.first().map_or(Ok(0), |s| s.parse())?);
    let host = registrar
        .rsplit_once(':')
        .map_or(registrar.as_str(), |(h, _)| h);
    let proxy: SocketAddr = registrar
        .to_socket_addrs()?
        .next()
        .ok_or("registrar did not resolve")?;

    // Connecting picks the interface address the Via and Contact will carry.
    let probe = UdpSocket::bind("0.0.0.0:0")?;
    probe.connect(proxy)?;
    let socket = UdpSocket::bind(SocketAddr::new(probe.local_addr()?.ip(), 0))?;
    let account = Account {
        username: user.clone(),
        auth_username: None,
        password: password.clone(),
        proxies: vec![Proxy::new(proxy, host)],
        display_name: None,
        caller_id: None,
    };
    let config = EndpointConfig::new(socket.local_addr()?, account);
    let rng = ChaCha8Rng::from_seed(rand::random());
    let mut ep = Endpoint::new(config, rng, Instant::now())?;

    ep.handle_input(Input::Command {
        now: Instant::now(),
        command: Command::Register,
    })?;
    let registered = drive(&mut ep, &socket, Duration::from_secs(40), |e| {
        matches!(
            e,
            RegistrationEvent::Registered { .. } | RegistrationEvent::Failed { .. }
        )
    })?;
    let ok = registered && ep.registered_proxy().is_some();
    println!(
        "outcome: {}",
        if ok { "registered" } else { "not registered" }
    );
    if ok && !stay.is_zero() {
        drive(&mut ep, &socket, stay, |_| false)?;
    }
    ep.handle_input(Input::Command {
        now: Instant::now(),
        command: Command::Unregister,
    })?;
    drive(&mut ep, &socket, Duration::from_secs(40), |e| {
        matches!(e, RegistrationEvent::Unregistered { .. })
    })?;
    if ok {
        Ok(())
    } else {
        Err("registration failed".into())
    }
}
