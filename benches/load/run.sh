#!/usr/bin/env bash
# The call-engine load benchmark (BENCHMARKS.md, "Call engine under load").
#
#   benches/load/run.sh [N ...]        default: 100 500 1000 concurrent calls
#   WINDOW=20 SETTLE=5 CPS=100 benches/load/run.sh 100
#
# For each N: the bare UDP echo baseline (udp_echo.c) at N streams, then N
# two-way PCMU calls placed by the engine against SIPp (-rtp_echo) with the
# Twilio echo bot on every call. Needs sipp (Debian sip-tester), a C compiler
# and jq (for the table). Results: one JSON line per N in target/load/,
# and a Markdown table on stdout.
set -euo pipefail
cd "$(dirname "$0")/../.."
WINDOW=${WINDOW:-20}
SETTLE=${SETTLE:-5}
CPS=${CPS:-100}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100 500 1000)

cargo build --release -q -p benches --bin load
mkdir -p target/load
cc -O2 -o target/load/udp_echo benches/load/udp_echo.c
# Each call holds 3 descriptors in the engine (RTP, RTCP, WebSocket) and one in the bot.
ulimit -n "$(ulimit -Hn)"
max_n=$(printf '%s\n' "${sizes[@]}" | sort -n | tail -1)
if [ "$(ulimit -n)" -lt $(( 3 * max_n + 100 )) ]; then
    echo "ulimit -n is $(ulimit -n): too few descriptors for $max_n calls" >&2
    exit 1
fi

out="target/load/$(date -u +%Y%m%dT%H%M%SZ).jsonl"
echo "| N (live) | RTP rate reached | CPU per call, measured (ms/s) | CPU per call at full rate (ms/s) | % of a core per call | UDP echo per stream at full rate (ms/s) | ratio | RSS per call (KiB) | cadence error p50 / p99 (ms) | loss at probe | loss in engine reports | engine waiting for a CPU | machine load (1 min) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for n in "${sizes[@]}"; do
    target/release/load run --calls "$n" --window "$WINDOW" --settle "$SETTLE" --cps "$CPS" \
        --baseline-echo target/load/udp_echo | tee -a "$out" | jq -r '
        def r(d): if . == null then "n/a" else (. * pow(10; d) | round / pow(10; d) | tostring) end;
        "| \(.calls) (\(.live_at_window_start))"
        + " | \(.rate_fraction * 100 | r(0)) %"
        + " | \(.cpu_ms_per_call_s | r(3)) | \(.cpu_ms_per_call_s_at_full_rate | r(3))"
        + " | \(.cpu_ms_per_call_s_at_full_rate / 10 | r(3))"
        + " | \(.baseline_udp_echo.cpu_ms_per_stream_s_at_full_rate | r(3)) | \(.ratio_to_udp_echo | r(1))"
        + " | \(.rss_per_call_kib | r(0))"
        + " | \(.cadence_at_probe.cadence_error_p50_ms | r(2)) / \(.cadence_at_probe.cadence_error_p99_ms | r(2))"
        + " | \(.cadence_at_probe.loss * 100 | r(3)) %"
        + " | \(.engine_reports.loss_mean * 100 | r(3)) %"
        + " | \(.runqueue_wait_s / .window_s * 100 | r(0)) %"
        + " | \(.load_average[0]) |"'
done
echo "raw results: $out" >&2
