//! The engine behind `trunkline serve`: the scheduler's [`CallEngine`] seam,
//! with one trunk (and registration) per user on the one SIP socket.

use uuid::Uuid;

use super::call::{CallReport, CallRequest};
use super::{Engine, Trunk};
use crate::config::{HandlerConfig, HandlerProtocol};
use crate::handler::CallMetadata;
use crate::scheduler::model::{HandlerProtocol as ModelProtocol, HandlerSpec};
use crate::scheduler::{
    CallEngine, CallJob, CallOutcome, EngineFuture, HangupBy, RegistrationStatus, TrunkSettings,
};

/// The `customParameters` key holding the per-call token for the Twilio
/// hang-up route (HTTP Basic password, with the account SID as user).
pub const HANGUP_TOKEN_PARAMETER: &str = "hangup_token";

fn handler_config(spec: &HandlerSpec) -> Result<HandlerConfig, String> {
    let protocol = match spec.protocol {
        ModelProtocol::Twilio => HandlerProtocol::Twilio,
        ModelProtocol::Pcm => HandlerProtocol::Pcm,
        ModelProtocol::Audiosocket => HandlerProtocol::AudioSocket,
    };
    HandlerConfig::new(&spec.url, protocol, Some(spec.sample_rate))
        .map_err(|e| format!("handler {}: {e}", spec.url))
}

fn trunk_for(user_id: &str, settings: &TrunkSettings) -> Result<Trunk, String> {
    let mut trunk = Trunk::try_from(settings).map_err(|e| e.to_string())?;
    trunk.name = user_id.to_owned();
    Ok(trunk)
}

impl Engine {
    async fn place_job(self, job: CallJob) -> CallOutcome {
        let trunk = match trunk_for(&job.user_id, &job.trunk) {
            Ok(t) => t,
            Err(e) => return CallOutcome::failed(e),
        };
        if self.trunk(&trunk.name).as_ref() != Some(&trunk) {
            if let Err(e) = self.add_trunk(trunk.clone()).await {
                return CallOutcome::failed(e.to_string());
            }
        }
        let handler = match handler_config(&job.handler) {
            Ok(h) => h,
            Err(e) => return CallOutcome::failed(e),
        };
        let call_id = Uuid::parse_str(&job.call_id).unwrap_or_else(|_| Uuid::new_v4());
        let mut metadata = CallMetadata::new(call_id, trunk.caller_id.clone(), job.phone.clone());
        metadata.call_sid = job.call_sid.clone();
        metadata.account_sid = job.account_sid.clone();
        metadata.user_id = job.user_id.clone();
        metadata.campaign_id = job.campaign_id.clone();
        metadata.prompt_id = job.prompt_id.clone();
        metadata.customer_name = job.customer_name.clone();
        metadata.params = job.params.clone();
        metadata
            .params
            .insert(HANGUP_TOKEN_PARAMETER.to_owned(), job.hangup_token.clone());
        let request = CallRequest {
            key: job.call_id.clone(),
            trunk: trunk.name.clone(),
            to: job.phone.clone(),
            handler,
            metadata,
            max_duration: job.max_duration,
            ring_timeout: None,
            progress: Some(job.progress.clone()),
        };
        let report: CallReport = self.call(request).await;
        report.into()
    }
}

impl CallEngine for Engine {
    fn sip_stats(&self) -> Option<super::EngineStats> {
        Some(self.stats())
    }

    fn apply_trunk(&self, user_id: &str, trunk: TrunkSettings) {
        let engine = self.clone();
        let user = user_id.to_owned();
        self.inner.runtime.spawn(async move {
            let result = match trunk_for(&user, &trunk) {
                Ok(t) => engine.add_trunk(t).await.map_err(|e| e.to_string()),
                Err(e) => Err(e),
            };
            if let Err(e) = result {
                tracing::warn!(user, error = %e, "trunk not applied");
                engine
                    .inner
                    .book
                    .set(&user, crate::scheduler::RegistrationState::Failed, Some(e));
            }
        });
    }

    fn registration(&self, user_id: &str) -> RegistrationStatus {
        Engine::registration(self, user_id)
    }

    fn place(&self, job: CallJob) -> EngineFuture<CallOutcome> {
        Box::pin(self.clone().place_job(job))
    }

    fn hangup(&self, call_id: &str, by: HangupBy) -> bool {
        Engine::hangup(self, call_id, by)
    }
}
