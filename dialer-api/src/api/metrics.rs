//! Prometheus metrics kept in memory and rendered in the text exposition format.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

use crate::engine::EngineStats;

/// A histogram with fixed upper bounds.
#[derive(Debug, Clone)]
pub struct Histogram {
    bounds: &'static [f64],
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    /// An empty histogram with these bucket upper bounds (ascending).
    pub fn new(bounds: &'static [f64]) -> Self {
        Self {
            bounds,
            counts: vec![0; bounds.len()],
            sum: 0.0,
            count: 0,
        }
    }

    /// Records one value.
    pub fn observe(&mut self, value: f64) {
        for (bound, count) in self.bounds.iter().zip(self.counts.iter_mut()) {
            if value <= *bound {
                *count += 1;
            }
        }
        self.sum += value;
        self.count += 1;
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (bound, count) in self.bounds.iter().zip(&self.counts) {
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {count}");
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.count
        );
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{braces} {}", self.sum);
        let _ = writeln!(out, "{name}_count{braces} {}", self.count);
    }
}

const LOSS_BOUNDS: &[f64] = &[0.0, 0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2];
const JITTER_BOUNDS: &[f64] = &[1.0, 2.0, 5.0, 10.0, 20.0, 40.0, 80.0, 160.0];
const LATENCY_BOUNDS: &[f64] = &[0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];

#[derive(Debug)]
struct Inner {
    calls_by_status: BTreeMap<String, u64>,
    loss: Histogram,
    jitter: Histogram,
    latency: BTreeMap<(String, String), Histogram>,
}

/// Process-wide counters and histograms.
#[derive(Debug)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            inner: Mutex::new(Inner {
                calls_by_status: BTreeMap::new(),
                loss: Histogram::new(LOSS_BOUNDS),
                jitter: Histogram::new(JITTER_BOUNDS),
                latency: BTreeMap::new(),
            }),
        }
    }
}

/// Gauges read at scrape time.
#[derive(Debug, Clone, Default)]
pub struct Gauges {
    /// Calls in flight.
    pub active_calls: i64,
    /// Queued attempts.
    pub queue_depth: i64,
    /// Users' trunks per registration state (`registered`, `failed`...); no user ids, so the
    /// unauthenticated scrape reveals no accounts.
    pub trunks_by_state: BTreeMap<String, i64>,
    /// The SIP socket's counters (`None` without a call engine).
    pub sip: Option<EngineStats>,
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts a call that ended with `status`, with its RTP quality if answered.
    pub fn call_ended(&self, status: &str, loss: Option<f64>, jitter_ms: Option<f64>) {
        let mut inner = self.lock();
        *inner.calls_by_status.entry(status.to_owned()).or_default() += 1;
        if let Some(loss) = loss {
            inner.loss.observe(loss);
        }
        if let Some(jitter) = jitter_ms {
            inner.jitter.observe(jitter);
        }
    }

    /// Records an API request's latency under its route template.
    pub fn request(&self, method: &str, route: &str, seconds: f64) {
        self.lock()
            .latency
            .entry((method.to_owned(), route.to_owned()))
            .or_insert_with(|| Histogram::new(LATENCY_BOUNDS))
            .observe(seconds);
    }

    /// The exposition text.
    pub fn render(&self, gauges: &Gauges) -> String {
        let inner = self.lock();
        let mut out = String::new();
        out.push_str("# HELP trunkline_calls_total Calls ended on this node, by final status.\n");
        out.push_str("# TYPE trunkline_calls_total counter\n");
        for status in ["completed", "busy", "no_answer", "failed", "canceled"] {
            let n = inner.calls_by_status.get(status).copied().unwrap_or(0);
            let _ = writeln!(out, "trunkline_calls_total{{status=\"{status}\"}} {n}");
        }
        out.push_str("# HELP trunkline_active_calls Calls in flight (all nodes).\n");
        out.push_str("# TYPE trunkline_active_calls gauge\n");
        let _ = writeln!(out, "trunkline_active_calls {}", gauges.active_calls);
        out.push_str("# HELP trunkline_queue_depth Attempts queued (all nodes).\n");
        out.push_str("# TYPE trunkline_queue_depth gauge\n");
        let _ = writeln!(out, "trunkline_queue_depth {}", gauges.queue_depth);
        out.push_str("# HELP trunkline_trunks Users' trunks by registration state.\n");
        out.push_str("# TYPE trunkline_trunks gauge\n");
        for (state, n) in &gauges.trunks_by_state {
            let _ = writeln!(out, "trunkline_trunks{{state=\"{}\"}} {n}", escape(state));
        }
        if let Some(sip) = &gauges.sip {
            render_sip(&mut out, sip);
        }
        out.push_str("# HELP trunkline_rtp_loss_ratio RTP packet loss of answered calls.\n");
        out.push_str("# TYPE trunkline_rtp_loss_ratio histogram\n");
        inner.loss.render(&mut out, "trunkline_rtp_loss_ratio", "");
        out.push_str("# HELP trunkline_rtp_jitter_ms RTP interarrival jitter of answered calls.\n");
        out.push_str("# TYPE trunkline_rtp_jitter_ms histogram\n");
        inner.jitter.render(&mut out, "trunkline_rtp_jitter_ms", "");
        out.push_str("# HELP trunkline_http_request_duration_seconds API latency by route.\n");
        out.push_str("# TYPE trunkline_http_request_duration_seconds histogram\n");
        for ((method, route), h) in &inner.latency {
            let labels = format!("method=\"{}\",route=\"{}\"", escape(method), escape(route));
            h.render(&mut out, "trunkline_http_request_duration_seconds", &labels);
        }
        out
    }
}

/// The SIP socket's counters: what was read, what was dropped unanswered
/// and why, what was refused, and the size of the Call-ID route table.
fn render_sip(out: &mut String, sip: &EngineStats) {
    out.push_str("# HELP trunkline_sip_received_total SIP datagrams read on this node.\n");
    out.push_str("# TYPE trunkline_sip_received_total counter\n");
    let _ = writeln!(out, "trunkline_sip_received_total {}", sip.sip_received);
    out.push_str(
        "# HELP trunkline_sip_dropped_total SIP datagrams dropped unanswered: from a SIP scanner, \
         from an address that is no trunk's (foreign), or not SIP / a response to nothing (unroutable).\n",
    );
    out.push_str("# TYPE trunkline_sip_dropped_total counter\n");
    for (reason, n) in [
        ("scanner", sip.dropped_scanner),
        ("foreign", sip.dropped_foreign),
        ("unroutable", sip.dropped_unroutable),
    ] {
        let _ = writeln!(
            out,
            "trunkline_sip_dropped_total{{reason=\"{reason}\"}} {n}"
        );
    }
    out.push_str(
        "# HELP trunkline_sip_refused_requests_total INVITEs from a trunk outside our calls, refused.\n",
    );
    out.push_str("# TYPE trunkline_sip_refused_requests_total counter\n");
    let _ = writeln!(
        out,
        "trunkline_sip_refused_requests_total {}",
        sip.refused_requests
    );
    out.push_str("# HELP trunkline_sip_routes Call-IDs the SIP driver routes to a trunk now.\n");
    out.push_str("# TYPE trunkline_sip_routes gauge\n");
    let _ = writeln!(out, "trunkline_sip_routes {}", sip.sip_routes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let mut h = Histogram::new(&[1.0, 2.0]);
        h.observe(0.5);
        h.observe(1.5);
        h.observe(3.0);
        let mut out = String::new();
        h.render(&mut out, "x", "");
        assert!(out.contains("x_bucket{le=\"1\"} 1\n"));
        assert!(out.contains("x_bucket{le=\"2\"} 2\n"));
        assert!(out.contains("x_bucket{le=\"+Inf\"} 3\n"));
        assert!(out.contains("x_sum 5\n"));
    }

    #[test]
    fn renders_calls_and_gauges() {
        let m = Metrics::default();
        m.call_ended("busy", None, None);
        m.call_ended("completed", Some(0.01), Some(3.0));
        m.request("GET", "/v1/me", 0.002);
        let text = m.render(&Gauges {
            active_calls: 2,
            queue_depth: 7,
            trunks_by_state: [("registered".to_owned(), 3), ("fail\"ed".to_owned(), 1)].into(),
            sip: Some(EngineStats {
                dropped_scanner: 4,
                dropped_foreign: 2,
                refused_requests: 1,
                sip_routes: 3,
                ..EngineStats::default()
            }),
        });
        assert!(text.contains("trunkline_sip_dropped_total{reason=\"scanner\"} 4\n"));
        assert!(text.contains("trunkline_sip_dropped_total{reason=\"foreign\"} 2\n"));
        assert!(text.contains("trunkline_sip_dropped_total{reason=\"unroutable\"} 0\n"));
        assert!(text.contains("trunkline_sip_refused_requests_total 1\n"));
        assert!(text.contains("trunkline_sip_routes 3\n"));
        assert!(text.contains("trunkline_calls_total{status=\"busy\"} 1"));
        assert!(text.contains("trunkline_active_calls 2"));
        assert!(text.contains("trunkline_queue_depth 7"));
        assert!(text.contains("trunkline_trunks{state=\"registered\"} 3\n"));
        assert!(text.contains("trunkline_trunks{state=\"fail\\\"ed\"} 1\n"));
        assert!(text.contains("trunkline_rtp_jitter_ms_count 1"));
        assert!(text.contains(
            "trunkline_http_request_duration_seconds_bucket{method=\"GET\",route=\"/v1/me\",le=\"0.005\"} 1"
        ));
    }
}
