//! The codec check: which codecs we offer, and (with a test number) which
//! one the trunk picks in a short test call.

use std::time::Duration;

use codecs::Codec;
use sip_core::endpoint::CallEnd;

use super::check::Check;
use crate::engine::{Engine, TestCallError};

const NAME: &str = "codecs";

/// The codec names in offer order: `PCMU, G729, GSM`.
pub(crate) fn codec_list(codecs: &[Codec]) -> String {
    codecs
        .iter()
        .map(|c| c.encoding_name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The line when no test call can be made, and why.
pub(crate) fn skipped(offered: &[Codec], why: &str) -> Check {
    Check::skip(NAME, format!("offered {}; {why}", codec_list(offered)))
}

/// Calls `number` through engine trunk `trunk` (proxy `via`) and reports
/// the codec the trunk picked.
pub(crate) async fn codec_check(
    engine: &Engine,
    trunk: &str,
    via: &str,
    offered: &[Codec],
    number: &str,
    limit: Duration,
) -> Check {
    let list = codec_list(offered);
    match engine.test_call(trunk, number, limit).await {
        Ok(outcome) => {
            let how = if outcome.answered {
                "answered"
            } else {
                "sent early media"
            };
            let c = &outcome.media.codec;
            Check::pass(
                NAME,
                format!(
                    "offered {list}; test call to {number} via {via} {how} with {}/{} (payload type {})",
                    c.name, c.clock_rate, c.payload_type
                ),
            )
        }
        Err(e) => {
            let advice = advice(&e, &list);
            Check::fail(
                NAME,
                format!("offered {list}; test call to {number} via {via}: {e}"),
                advice,
            )
        }
    }
}

fn advice(error: &TestCallError, offered: &str) -> String {
    let no_codec = || {
        format!(
            "the trunk takes none of {offered}: ask the provider which codecs it accepts and list one \
             in the trunk's codecs"
        )
    };
    match error {
        TestCallError::Ended(CallEnd::Rejected { status, .. }) => match status.as_u16() {
            488 | 606 => no_codec(),
            401 | 407 => "check username and password in the trunk settings".to_owned(),
            403 => "the trunk refused the call: check caller_id (many trunks only allow your own \
                    number), your credit with the provider and the number's format"
                .to_owned(),
            404 | 484 | 604 => {
                "check [doctor] test_number (the trunk does not know that number)".to_owned()
            }
            500..=599 => "the trunk cannot place calls now: try again later".to_owned(),
            _ => "see what this status means in the provider's documentation".to_owned(),
        },
        TestCallError::Ended(CallEnd::MediaFailed(_)) => no_codec(),
        TestCallError::Ended(CallEnd::AuthFailed(_)) => {
            "check username and password in the trunk settings".to_owned()
        }
        TestCallError::Ended(CallEnd::Timeout { .. } | CallEnd::TransportError) => {
            "the proxy did not answer the INVITE: check that UDP to the trunk is open".to_owned()
        }
        TestCallError::NoAnswer(_) => {
            "use a number that answers at once, such as the provider's echo test".to_owned()
        }
        _ => "see the log (RUST_LOG=info)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sip_core::StatusCode;
    use sip_core::sdp::SdpError;

    #[test]
    fn lists_codecs_in_offer_order() {
        assert_eq!(
            codec_list(&[Codec::Pcmu, Codec::G729, Codec::Gsm]),
            "PCMU, G729, GSM"
        );
        let skip = skipped(&[Codec::Pcma], "no test number");
        assert_eq!(
            skip.to_string(),
            "SKIP codecs: offered PCMA; no test number"
        );
    }

    #[test]
    fn a_codec_refusal_says_to_change_the_codec_list() {
        let refused = TestCallError::Ended(CallEnd::Rejected {
            status: StatusCode::new(488).unwrap(),
            reason: "Not Acceptable Here".into(),
            retry_after: None,
            proxy: "sip1".into(),
        });
        assert!(advice(&refused, "PCMU").contains("takes none of PCMU"));
        let unusable = TestCallError::Ended(CallEnd::MediaFailed(SdpError::NoCommonCodec {
            offered: "PCMU".into(),
            answered: "G722".into(),
        }));
        assert!(advice(&unusable, "PCMU").contains("takes none of PCMU"));
        assert!(
            advice(&TestCallError::NoAnswer(Duration::from_secs(6)), "PCMU").contains("echo test")
        );
    }
}
