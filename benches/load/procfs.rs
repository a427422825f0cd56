//! What the kernel says about a process and the machine: CPU time
//! (`/proc/<pid>/stat` utime + stime), time spent waiting for a CPU
//! (`/proc/<pid>/task/*/schedstat`), resident memory (`VmRSS` in
//! `/proc/<pid>/status`), the load average and the machine's busy time.

use std::fs;
use std::process::Command;
use std::sync::OnceLock;

/// Clock ticks per second of the CPU times in `/proc/<pid>/stat`.
fn clock_ticks() -> f64 {
    static TICKS: OnceLock<f64> = OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// User plus system CPU seconds of process `pid`, all threads, so far.
pub fn cpu_seconds(pid: u32) -> Result<f64, String> {
    let path = format!("/proc/{pid}/stat");
    let text = fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    // The command name may hold spaces; the fields after it start at state (field 3).
    let rest = text
        .rsplit_once(')')
        .map(|(_, r)| r)
        .ok_or_else(|| format!("{path}: no ')' after the command name"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |i: usize| -> Result<f64, String> {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .ok_or_else(|| format!("{path}: field {} is missing", i + 3))
    };
    // utime is field 14 and stime field 15 of stat(5): indexes 11 and 12 here.
    Ok((field(11)? + field(12)?) / clock_ticks())
}

/// Seconds the threads of process `pid` have spent runnable but waiting
/// for a CPU (the second field of `/proc/<pid>/task/*/schedstat`), summed.
pub fn runqueue_wait_seconds(pid: u32) -> f64 {
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return f64::NAN;
    };
    let ns: u64 = tasks
        .flatten()
        .filter_map(|t| fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .sum();
    ns as f64 / 1e9
}

/// Resident set size of process `pid`, in KiB.
pub fn rss_kib(pid: u32) -> Result<u64, String> {
    let path = format!("/proc/{pid}/status");
    let text = fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    text.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| format!("{path}: no VmRSS line"))
}

/// The 1-minute load average.
pub fn load_average() -> f64 {
    fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

/// Busy and total jiffies of all CPUs together (first line of `/proc/stat`)
/// and the number of CPUs.
pub fn machine_jiffies() -> (u64, u64, usize) {
    let text = fs::read_to_string("/proc/stat").unwrap_or_default();
    let cpus = text
        .lines()
        .filter(|l| {
            l.strip_prefix("cpu")
                .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
        })
        .count();
    let values: Vec<u64> = text
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    let total: u64 = values.iter().take(8).sum();
    // idle and iowait are the 4th and 5th values.
    let idle = values.get(3).copied().unwrap_or(0) + values.get(4).copied().unwrap_or(0);
    (total.saturating_sub(idle), total, cpus)
}

/// A CPU-time reading of some processes and of the machine, to subtract
/// from a later one.
#[derive(Debug, Clone)]
pub struct Sample {
    cpu: Vec<f64>,
    wait: Vec<f64>,
    machine: (u64, u64, usize),
    at: std::time::Instant,
}

impl Sample {
    /// Reads the CPU time of every process in `pids` now.
    pub fn take(pids: &[u32]) -> Result<Sample, String> {
        let cpu = pids
            .iter()
            .map(|&p| cpu_seconds(p))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Sample {
            cpu,
            wait: pids.iter().map(|&p| runqueue_wait_seconds(p)).collect(),
            machine: machine_jiffies(),
            at: std::time::Instant::now(),
        })
    }

    /// Per process: CPU seconds used between `self` and `later`.
    pub fn cpu_used(&self, later: &Sample) -> Vec<f64> {
        self.cpu
            .iter()
            .zip(&later.cpu)
            .map(|(a, b)| b - a)
            .collect()
    }

    /// Per process: seconds its threads waited for a CPU between `self` and `later`.
    pub fn wait_used(&self, later: &Sample) -> Vec<f64> {
        self.wait
            .iter()
            .zip(&later.wait)
            .map(|(a, b)| b - a)
            .collect()
    }

    /// Wall-clock seconds between the two readings.
    pub fn seconds(&self, later: &Sample) -> f64 {
        later.at.duration_since(self.at).as_secs_f64()
    }

    /// How busy the whole machine was between the two readings, in cores.
    pub fn machine_cores_busy(&self, later: &Sample) -> f64 {
        let busy = later.machine.0.saturating_sub(self.machine.0) as f64;
        let total = later.machine.1.saturating_sub(self.machine.1) as f64;
        let cores = later.machine.2 as f64;
        if total > 0.0 {
            busy / total * cores
        } else {
            f64::NAN
        }
    }
}
