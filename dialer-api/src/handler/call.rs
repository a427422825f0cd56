//! The facts about a call that a handler receives when it starts.

use std::collections::BTreeMap;

use uuid::Uuid;

/// The keys Trunkline itself puts in `customParameters`; per-call parameters
/// with these names are overwritten, so a contact list cannot spoof them.
pub const STANDARD_PARAMETERS: [&str; 6] = [
    "user_id",
    "campaign_id",
    "prompt_id",
    "customer_name",
    "from_number",
    "to_number",
];

/// What the handler is told about an answered call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallMetadata {
    /// Trunkline's id of the call; sent as the AudioSocket UUID.
    pub call_id: Uuid,
    /// Twilio `callSid` (`CA` and 32 hex digits).
    pub call_sid: String,
    /// Twilio `accountSid` (`AC` and 32 hex digits) of the user placing the call.
    pub account_sid: String,
    /// Caller ID in E.164.
    pub from_number: String,
    /// Callee number in E.164.
    pub to_number: String,
    /// User id, empty when there is none (`trunkline call`).
    pub user_id: String,
    /// Campaign id, possibly empty.
    pub campaign_id: String,
    /// Prompt id, possibly empty.
    pub prompt_id: String,
    /// Customer name, possibly empty.
    pub customer_name: String,
    /// Per-call parameters (`--param KEY=VALUE`, a contact's `params`).
    pub params: BTreeMap<String, String>,
}

impl CallMetadata {
    /// Metadata for call `call_id` from `from_number` to `to_number`, with
    /// `call_sid` derived from `call_id`, a zero account SID and empty ids.
    pub fn new(
        call_id: Uuid,
        from_number: impl Into<String>,
        to_number: impl Into<String>,
    ) -> CallMetadata {
        CallMetadata {
            call_id,
            call_sid: twilio_sid("CA", call_id),
            account_sid: twilio_sid("AC", Uuid::nil()),
            from_number: from_number.into(),
            to_number: to_number.into(),
            user_id: String::new(),
            campaign_id: String::new(),
            prompt_id: String::new(),
            customer_name: String::new(),
            params: BTreeMap::new(),
        }
    }

    /// `customParameters`: the per-call parameters, then the standard keys
    /// ([`STANDARD_PARAMETERS`]), always present, possibly empty.
    pub fn custom_parameters(&self) -> BTreeMap<String, String> {
        let mut all = self.params.clone();
        for (key, value) in STANDARD_PARAMETERS.into_iter().zip([
            &self.user_id,
            &self.campaign_id,
            &self.prompt_id,
            &self.customer_name,
            &self.from_number,
            &self.to_number,
        ]) {
            all.insert(key.to_owned(), value.clone());
        }
        all
    }
}

/// A Twilio-style SID: a two-letter prefix (`CA`, `AC`, `MZ`) and the id in
/// 32 lower-case hex digits.
pub fn twilio_sid(prefix: &str, id: Uuid) -> String {
    format!("{prefix}{}", id.simple())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_parameters_win_over_per_call_ones() {
        let mut call = CallMetadata::new(Uuid::from_u128(0xabc), "+60123456789", "+60198765432");
        call.user_id = "42".into();
        call.params.insert("user_id".into(), "spoofed".into());
        call.params.insert("plan".into(), "gold".into());
        let p = call.custom_parameters();
        assert_eq!(p["user_id"], "42");
        assert_eq!(p["plan"], "gold");
        assert_eq!(p["to_number"], "+60198765432");
        assert_eq!(p["campaign_id"], "");
        assert_eq!(p.len(), 7);
        assert_eq!(call.call_sid, "CA00000000000000000000000000000abc");
        assert_eq!(call.account_sid.len(), 34);
    }
}
