//! Our session refreshes (RFC 4028 as the refresher): UPDATE when the peer
//! allows it, else a re-INVITE with our unchanged offer; 422, 491 and
//! failures handled as RFC 4028 10 and RFC 3261 14.1 say.

use std::time::Duration;

use super::{Call, Refresh, SentAck, Timer};
use crate::dialog::media::sdp_body;
use crate::dialog::session_timer::SessionTimer;
use crate::endpoint::shared::{Owner, Shared};
use crate::endpoint::{CallEnd, CallEvent};
use crate::header::{Refresher, SessionExpires};
use crate::message::{HeaderName, Method, Response};

/// Refresh retries after 422 or a refused UPDATE at most.
const MAX_REFRESH_ROUNDS: u8 = 3;

impl Call {
    /// Sends a session refresh now.
    pub(super) fn send_refresh(&mut self, cx: &mut Shared) {
        self.send_refresh_round(cx, 0);
    }

    fn send_refresh_round(&mut self, cx: &mut Shared, rounds: u8) {
        if self.refresh.is_some() || self.done {
            return;
        }
        let Some(st) = self.session else {
            return;
        };
        let method = if self.remote_allows_update {
            Method::Update
        } else {
            Method::Invite
        };
        let Some(dialog) = self.dialog.as_mut() else {
            return;
        };
        let via = cx.new_via();
        let seq = dialog.local_seq.wrapping_add(1);
        let mut b = dialog.request(method.clone(), via).contact(cx.contact());
        b = cx.with_capabilities(b).typed(
            HeaderName::SessionExpires,
            &SessionExpires::new(st.interval.max(self.min_se), Some(Refresher::Uac)),
        );
        b = b.header(HeaderName::MinSe, self.min_se.to_string());
        if method == Method::Invite {
            b = b.body("application/sdp", self.media.offer());
        }
        let mut req = b.build();
        cx.authorize(&mut req, self.dest);
        match cx.send_request(req, self.dest, Owner::Call(self.handle)) {
            Ok(tx) => {
                self.refresh = Some(Refresh {
                    tx,
                    method,
                    seq,
                    rounds,
                })
            }
            Err(_) => self.send_bye(cx, CallEnd::RefreshFailed { status: None }),
        }
    }

    pub(super) fn on_refresh_response(&mut self, cx: &mut Shared, resp: Response) {
        let status = resp.status;
        if status.is_provisional() {
            return;
        }
        let Some(refresh) = self.refresh.take() else {
            return;
        };
        if status.is_success() {
            if refresh.method == Method::Invite {
                self.ack_refresh(cx, &resp, refresh.seq);
            }
            if let Some(d) = self.dialog.as_mut() {
                d.refresh_target(&resp.headers);
            }
            if refresh.method == Method::Invite {
                if let Some(body) = sdp_body(&resp.headers, &resp.body) {
                    if let Ok(agreed) = self.media.read_answer(body) {
                        if self.media.negotiated.as_ref() != Some(&agreed) {
                            self.media.negotiated = Some(agreed.clone());
                            self.emit(cx, CallEvent::MediaChanged(agreed));
                        }
                    }
                }
            }
            let session = SessionTimer::from_response_as_uac(&resp);
            self.set_session(cx, session);
            return;
        }
        let rounds = refresh.rounds + 1;
        match status.as_u16() {
            491 => {
                // RFC 3261 14.1: we own the Call-ID, retry after 2.1 to 4 s.
                let wait = cx.random_between(Duration::from_millis(2100), Duration::from_secs(4));
                self.timers.set_after(Timer::RefreshRetry, cx.now, wait);
            }
            422 if rounds <= MAX_REFRESH_ROUNDS => {
                if let (Some(min), Some(st)) =
                    (resp.headers.min_se().ok().flatten(), self.session.as_mut())
                {
                    self.min_se = self.min_se.max(min);
                    st.interval = st.interval.max(min);
                }
                self.send_refresh_round(cx, rounds);
            }
            405 | 501 if refresh.method == Method::Update && rounds <= MAX_REFRESH_ROUNDS => {
                self.remote_allows_update = false;
                self.send_refresh_round(cx, rounds);
            }
            408 | 481 => self.send_bye(
                cx,
                CallEnd::RefreshFailed {
                    status: Some(status),
                },
            ),
            _ => {
                // The session lives on until it expires, then we end it.
                if let Some(st) = self.session {
                    let since = self.session_since.unwrap_or(cx.now);
                    let expiry = st.expiry_at(since).map(|at| at.max(cx.now));
                    self.timers.set_or_stop(Timer::SessionExpiry, expiry);
                    self.timers.stop(Timer::SessionRefresh);
                }
            }
        }
    }

    fn ack_refresh(&mut self, cx: &mut Shared, resp: &Response, seq: u32) {
        let Some(dialog) = self.dialog.as_ref() else {
            return;
        };
        let via = cx.new_via();
        let mut ack = dialog.ack(seq, via).build();
        cx.authorize(&mut ack, self.dest);
        let wire = ack.to_bytes();
        cx.transmit(self.dest, wire.clone());
        let tag = resp
            .headers
            .to()
            .ok()
            .and_then(|t| t.tag().cloned())
            .unwrap_or_else(|| dialog.id.remote_tag.clone());
        self.refresh_ack = Some(SentAck { tag, seq, wire });
    }
}
