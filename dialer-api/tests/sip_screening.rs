//! What `trunkline serve`'s SIP socket does with traffic that is not a call of
//! ours, with real datagrams on loopback: a scanner from the trunk's own
//! address and anything from a stranger are dropped and show in `/metrics`;
//! an INVITE from the trunk for a Call-ID we do not know is refused with 403
//! and counted; a thousand OPTIONS keep-alives are answered without growing
//! the driver's Call-ID route table.

mod e2e_support;

use std::net::SocketAddr;
use std::time::Duration;

use e2e_support::api::Api;
use e2e_support::free_udp_port;
use e2e_support::serve::{Serve, ServeSpec};
use tokio::net::UdpSocket;

/// A request from `from` to the engine, with `call_id` and `user_agent`.
fn request(method: &str, from: SocketAddr, call_id: &str, user_agent: &str) -> Vec<u8> {
    let sdp = if method == "INVITE" {
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
    } else {
        ""
    };
    let content_type = if sdp.is_empty() {
        String::new()
    } else {
        "Content-Type: application/sdp\r\n".to_owned()
    };
    format!(
        "{method} sip:+60123456789@127.0.0.1 SIP/2.0\r\n\
         Via: SIP/2.0/UDP {from};branch=z9hG4bK-{call_id}\r\n\
         From: <sip:100@{from}>;tag=t-{call_id}\r\nTo: <sip:+60123456789@127.0.0.1>\r\n\
         Call-ID: {call_id}\r\nCSeq: 1 {method}\r\nMax-Forwards: 70\r\n\
         Contact: <sip:100@{from}>\r\nUser-Agent: {user_agent}\r\n{content_type}\
         Content-Length: {}\r\n\r\n{sdp}",
        sdp.len()
    )
    .into_bytes()
}

/// The status line of the next datagram, or `None` within `wait`.
async fn answer(socket: &UdpSocket, wait: Duration) -> Option<String> {
    let mut buf = vec![0u8; 4096];
    let (n, _) = tokio::time::timeout(wait, socket.recv_from(&mut buf))
        .await
        .ok()?
        .ok()?;
    let text = String::from_utf8_lossy(&buf[..n]).into_owned();
    text.lines().next().map(str::to_owned)
}

/// Whether a 200 OK carrying `call_id_line` arrives within 2 s (other datagrams skipped).
async fn answered_with_200(socket: &UdpSocket, call_id_line: &str) -> bool {
    let mut buf = vec![0u8; 4096];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    while let Ok(Ok((n, _))) = tokio::time::timeout_at(deadline, socket.recv_from(&mut buf)).await {
        let text = String::from_utf8_lossy(&buf[..n]);
        if text.starts_with("SIP/2.0 200 OK\r\n") && text.contains(call_id_line) {
            return true;
        }
    }
    false
}

/// Every answer until `wait` passes with none.
async fn answers(socket: &UdpSocket, wait: Duration) -> Vec<String> {
    let mut all = Vec::new();
    while let Some(line) = answer(socket, wait).await {
        all.push(line);
    }
    all
}

/// The value of the one sample `name` (with its labels) in a metrics text.
fn sample(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no sample {name} in:\n{text}"))
}

async fn metrics(base: &str) -> String {
    reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scanners_strangers_stray_invites_and_keepalives() {
    let dir = tempfile::tempdir().unwrap();
    let sip_port = free_udp_port();
    let spec = ServeSpec {
        storage_url: format!("sqlite://{}", dir.path().join("trunkline.db").display()),
        sip_port,
        ring_timeout: 3,
        name: "serve".into(),
    };
    let serve = Serve::start(dir.path(), &spec).await;
    let engine: SocketAddr = ([127, 0, 0, 1], sip_port).into();
    let trunk = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let trunk_addr = trunk.local_addr().unwrap();
    let api = Api::new(&serve.base);
    let user = api.user(5.0).await;
    api.phone_config(&user, &trunk_addr.to_string(), 1, 1).await;

    // The trunk is applied in the background: OPTIONS from its address get 200 once it is.
    let mut applied = false;
    for i in 0..100 {
        let probe = request("OPTIONS", trunk_addr, &format!("probe-{i}"), "Trunk/1.0");
        trunk.send_to(&probe, engine).await.unwrap();
        if answer(&trunk, Duration::from_millis(100)).await.as_deref() == Some("SIP/2.0 200 OK") {
            applied = true;
            break;
        }
    }
    assert!(applied, "the engine never answered the trunk's OPTIONS");
    let before = metrics(&serve.base).await;
    let routes_before = sample(&before, "trunkline_sip_routes");

    // A scanner from the trunk's own address, and a stranger (127.0.0.2): no answer at all.
    for i in 0..5 {
        let scan = request(
            "OPTIONS",
            trunk_addr,
            &format!("scan-{i}"),
            "friendly-scanner",
        );
        trunk.send_to(&scan, engine).await.unwrap();
    }
    let stranger = UdpSocket::bind("127.0.0.2:0").await.unwrap();
    let stranger_addr = stranger.local_addr().unwrap();
    for i in 0..3 {
        let invite = request(
            "INVITE",
            stranger_addr,
            &format!("stranger-{i}"),
            "Trunk/1.0",
        );
        stranger.send_to(&invite, engine).await.unwrap();
    }
    assert_eq!(
        answers(&trunk, Duration::from_millis(300)).await,
        Vec::<String>::new()
    );
    assert_eq!(
        answers(&stranger, Duration::from_millis(100)).await,
        Vec::<String>::new()
    );

    // An INVITE from the trunk's address for a Call-ID that is none of ours: 403, no call.
    let stray = request("INVITE", trunk_addr, "stray-invite-1", "Trunk/1.0");
    trunk.send_to(&stray, engine).await.unwrap();
    let refused = answers(&trunk, Duration::from_millis(300)).await;
    assert!(
        refused.iter().any(|l| l == "SIP/2.0 403 Forbidden"),
        "answers to a stray INVITE: {refused:?}"
    );
    assert!(
        !refused
            .iter()
            .any(|l| l.starts_with("SIP/2.0 1") && l != "SIP/2.0 100 Trying"),
        "a stray INVITE rang: {refused:?}"
    );

    // A thousand keep-alives, each with its own Call-ID: all answered, no route kept.
    let mut ok = 0;
    for i in 0..1000 {
        let ping = request(
            "OPTIONS",
            trunk_addr,
            &format!("keepalive-{i}"),
            "Trunk/1.0",
        );
        trunk.send_to(&ping, engine).await.unwrap();
        // (Skipping anything else: the stray INVITE's 403 is retransmitted, as it is never ACKed.)
        if answered_with_200(&trunk, &format!("Call-ID: keepalive-{i}\r\n")).await {
            ok += 1;
        }
    }
    assert_eq!(ok, 1000, "OPTIONS answered with 200");

    let after = metrics(&serve.base).await;
    let delta = |name: &str| sample(&after, name) - sample(&before, name);
    assert_eq!(
        delta("trunkline_sip_dropped_total{reason=\"scanner\"}"),
        5,
        "{after}"
    );
    assert_eq!(
        delta("trunkline_sip_dropped_total{reason=\"foreign\"}"),
        3,
        "{after}"
    );
    assert_eq!(delta("trunkline_sip_refused_requests_total"), 1, "{after}");
    assert!(delta("trunkline_sip_received_total") >= 1009, "{after}");
    assert_eq!(
        sample(&after, "trunkline_sip_routes"),
        routes_before,
        "the route table grew: {after}"
    );
    serve.terminate().await;
}
