//! `trunkline sim-trunk`: runs the SIP trunk simulator until interrupted,
//! printing a line (or a JSON object) per event.

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use dialer_api::event_line::EventLine;
use dialer_api::sim::{
    Account, InviteAuth, OutcomePlan, OutcomeRule, OutcomeWeights, PortRange, SimConfig, SimTrunk,
    WrongPassword, parse_codec,
};

/// Arguments of `trunkline sim-trunk`.
#[derive(Debug, clap::Args)]
pub struct SimTrunkArgs {
    /// SIP UDP address to listen on (port 0 picks a free one; see the first event).
    #[arg(long, default_value = "127.0.0.1:5070")]
    bind: SocketAddr,
    /// Address written in SDP and Contact (default: the bind address).
    #[arg(long)]
    media_ip: Option<IpAddr>,
    /// RTP port range FIRST-LAST (default: ports the system chooses).
    #[arg(long, value_name = "FIRST-LAST")]
    rtp_ports: Option<PortRange>,
    /// Account user name accepted by the registrar and the INVITE challenge.
    #[arg(long, default_value = "trunkline")]
    username: String,
    /// Account password.
    #[arg(long, default_value = "secret")]
    password: String,
    /// Digest realm.
    #[arg(long, default_value = "sim.trunkline.test")]
    realm: String,
    /// Answer to a wrong password: 403 (Forbidden) or 401 (challenge again).
    #[arg(long, default_value = "403", value_name = "403|401")]
    wrong_password: WrongPassword,
    /// Refuse every password, even the right one (to test failure reports).
    #[arg(long)]
    reject_password: bool,
    /// INVITE authentication: digest (407 challenge) or ip (--allow-ip list).
    #[arg(long, default_value = "digest", value_parser = ["digest", "ip"])]
    invite_auth: String,
    /// Address allowed to send INVITEs with --invite-auth ip (repeatable;
    /// default 127.0.0.1 and ::1).
    #[arg(long = "allow-ip")]
    allow_ip: Vec<IpAddr>,
    /// Proportion of calls answered.
    #[arg(long, default_value_t = 0.7)]
    answer: f64,
    /// Proportion of calls refused with 486 Busy Here.
    #[arg(long, default_value_t = 0.1)]
    busy: f64,
    /// Proportion of calls left ringing until CANCEL.
    #[arg(long, default_value_t = 0.1)]
    no_answer: f64,
    /// Proportion of calls refused with 503 Service Unavailable.
    #[arg(long, default_value_t = 0.1)]
    unavailable: f64,
    /// Fixed outcome for some numbers, e.g. '*1=busy' (ending in 1) or
    /// '+6019*=answer' (prefix); repeatable, first match wins.
    #[arg(long = "rule", value_name = "PATTERN=OUTCOME")]
    rules: Vec<OutcomeRule>,
    /// Seed: the outcome of each call is a function of the seed and the number.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Shortest ring before an answer, in seconds.
    #[arg(long, default_value_t = 0.5)]
    ring_min: f64,
    /// Longest ring before an answer, in seconds.
    #[arg(long, default_value_t = 3.0)]
    ring_max: f64,
    /// Seconds an answered call lasts before the simulator sends BYE.
    #[arg(long, default_value_t = 10.0)]
    talk_seconds: f64,
    /// Seconds an unanswered call rings before 480 (if never cancelled).
    #[arg(long, default_value_t = 60.0)]
    no_answer_timeout: f64,
    /// Seconds of synthesized greeting at the start of each answered call
    /// (0: echo from the start).
    #[arg(long, default_value_t = 3.0)]
    greeting_seconds: f64,
    /// Codecs in preference order.
    #[arg(long, value_delimiter = ',', default_value = "PCMU,PCMA,GSM,G729")]
    codecs: Vec<String>,
    /// Print events as JSON lines.
    #[arg(long)]
    json: bool,
    /// Print the outcome the simulator would give NUMBER (repeatable) and exit.
    #[arg(long, value_name = "NUMBER")]
    predict: Vec<String>,
}

fn seconds(flag: &str, value: f64) -> Result<Duration, String> {
    Duration::try_from_secs_f64(value)
        .map_err(|_| format!("--{flag} {value}: give a number of seconds of zero or more"))
}

impl SimTrunkArgs {
    fn config(&self) -> Result<SimConfig, String> {
        let codecs = self
            .codecs
            .iter()
            .map(|c| parse_codec(c))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        let invite_auth = match self.invite_auth.as_str() {
            "ip" if self.allow_ip.is_empty() => InviteAuth::Ip(vec![
                IpAddr::from([127, 0, 0, 1]),
                IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1]),
            ]),
            "ip" => InviteAuth::Ip(self.allow_ip.clone()),
            _ => InviteAuth::Digest,
        };
        let config = SimConfig {
            bind: self.bind,
            media_address: self.media_ip,
            rtp_ports: self.rtp_ports,
            account: Account {
                username: self.username.clone(),
                password: self.password.clone(),
                realm: self.realm.clone(),
            },
            wrong_password: self.wrong_password,
            reject_password: self.reject_password,
            invite_auth,
            plan: OutcomePlan {
                seed: self.seed,
                weights: OutcomeWeights {
                    answer: self.answer,
                    busy: self.busy,
                    no_answer: self.no_answer,
                    unavailable: self.unavailable,
                },
                rules: self.rules.clone(),
                ring_min: seconds("ring-min", self.ring_min)?,
                ring_max: seconds("ring-max", self.ring_max)?,
            },
            talk_time: seconds("talk-seconds", self.talk_seconds)?,
            no_answer_timeout: seconds("no-answer-timeout", self.no_answer_timeout)?,
            codecs,
            greeting: seconds("greeting-seconds", self.greeting_seconds)?,
            ..SimConfig::default()
        };
        config.validate().map_err(|e| e.to_string())?;
        Ok(config)
    }
}

/// Runs the simulator until Ctrl-C (or SIGTERM), then ends its calls.
pub fn run(args: &SimTrunkArgs) -> ExitCode {
    let config = match args.config() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("trunkline sim-trunk: {e}");
            return ExitCode::FAILURE;
        }
    };
    if !args.predict.is_empty() {
        for number in &args.predict {
            let p = config.plan.predict(number);
            if args.json {
                let line = serde_json::json!({
                    "number": number, "outcome": p.outcome, "ring_ms": p.ring.as_millis() as u64,
                });
                println!("{line}");
            } else {
                println!("{number} {} ring_ms={}", p.outcome, p.ring.as_millis());
            }
        }
        return ExitCode::SUCCESS;
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("trunkline sim-trunk: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(serve(config, args.json))
}

async fn serve(config: SimConfig, json: bool) -> ExitCode {
    let mut trunk = match SimTrunk::start(config).await {
        Ok(t) => t,
        Err(e) => {
            eprintln!("trunkline sim-trunk: {e}");
            return ExitCode::FAILURE;
        }
    };
    let started = Instant::now();
    let print = |event: &dialer_api::sim::SimEvent| {
        if json {
            println!("{}", event.to_json());
        } else {
            println!("{:8.3} {event}", started.elapsed().as_secs_f64());
        }
    };
    loop {
        tokio::select! {
            event = trunk.next_event() => match event {
                Some(e) => print(&e),
                None => break,
            },
            () = super::stop_signal::stop_signal() => break,
        }
    }
    trunk.stop().await;
    while let Some(e) = trunk.try_next_event() {
        print(&e);
    }
    ExitCode::SUCCESS
}
