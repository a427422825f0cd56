//! Opening a TCP connection to a handler, with errors that say what failed.

use std::io::ErrorKind;

use tokio::net::TcpStream;

use super::error::ConnectError;

/// Resolves `host` and connects to the first address that answers (Nagle off:
/// the bridges send small frames every 20 ms).
pub(crate) async fn connect_tcp(
    url: &str,
    host: &str,
    port: u16,
) -> Result<TcpStream, ConnectError> {
    let addrs: Vec<_> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| ConnectError::Resolve {
            url: url.to_owned(),
            host: host.to_owned(),
            reason: e.to_string(),
        })?
        .collect();
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(stream) => {
                stream
                    .set_nodelay(true)
                    .map_err(|source| ConnectError::Io {
                        url: url.to_owned(),
                        source,
                    })?;
                return Ok(stream);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) if e.kind() == ErrorKind::ConnectionRefused => ConnectError::Refused {
            url: url.to_owned(),
        },
        Some(source) => ConnectError::Io {
            url: url.to_owned(),
            source,
        },
        None => ConnectError::Resolve {
            url: url.to_owned(),
            host: host.to_owned(),
            reason: "no addresses".to_owned(),
        },
    })
}
