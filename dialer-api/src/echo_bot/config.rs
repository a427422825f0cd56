//! Settings of the echo bot.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

/// How the echo bot behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct EchoBotConfig {
    /// The TCP address to listen on (port 0 picks a free one).
    pub bind: SocketAddr,
    /// Close the socket (hang up) this long after `start`; `None`: never.
    pub hangup_after: Option<Duration>,
    /// The silence after speech that ends an utterance, which is then
    /// repeated back.
    pub pause: Duration,
    /// The longest utterance kept before it is repeated back anyway.
    pub max_utterance: Duration,
    /// The RMS level (16-bit PCM) above which a frame counts as speech.
    pub speech_level: f64,
    /// Send `clear` when the callee talks over the bot's audio (otherwise
    /// only `*` does). Off by default: a callee that echoes the bot, like the
    /// trunk simulator, would interrupt every reply.
    pub barge_in_on_speech: bool,
}

impl Default for EchoBotConfig {
    /// `127.0.0.1:9000`, hang up after 20 s, 500 ms pause, 10 s utterances,
    /// speech above RMS 200, barge-in by `*` only.
    fn default() -> Self {
        EchoBotConfig {
            bind: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 9000),
            hangup_after: Some(Duration::from_secs(20)),
            pause: Duration::from_millis(500),
            max_utterance: Duration::from_secs(10),
            speech_level: 200.0,
            barge_in_on_speech: false,
        }
    }
}

impl EchoBotConfig {
    /// The same settings on `127.0.0.1:0`, for tests.
    pub fn loopback() -> EchoBotConfig {
        EchoBotConfig {
            bind: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            ..EchoBotConfig::default()
        }
    }
}
