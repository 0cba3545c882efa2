#!/usr/bin/env bash
# boot_storm.sh — DESIGN.md's boot storm: 10,000 factory-default units
# powering up at once against one spaprovd, every one provisioned through
# flow 1 (bootstrap over TFTP, DHCP option 66) and flow 3 (SEC-PRV-1 over
# HTTPS with its own certificate, SEC-PRV-2 over plain HTTP, encrypted),
# retries allowed. The set-up is tests/integration/lib/fleet_flows.sh (the
# 1,000-unit test uses the same): `spaprov ca init`, `ca issue-server`,
# `device import`, `ca issue-device --batch`, spaprovd with Bootstrap_Rule,
# Secure_Provisioning and Client_CA on free 127.0.0.1 ports, then one
# `spasim --fleet N` without --ramp.
#
# Decision: the units keep the factory Resync_Random_Delay (2: the power-up
# resync waits 0..40 device seconds), as real units do. The device clock
# runs TIME_SCALE times faster, so that spread is 40/TIME_SCALE real seconds
# (40 ms at 1000: all 10,000 first requests practically at once — a harder
# storm than a real power cut), and so are the factory Resync_Periodic
# (3600 s between the steps) and Resync_Error_Retry_Delay (3600 s: a failed
# unit retries 3.6 real seconds later). Transfer timeouts stay real.
#
# Reports: real time until every unit had its 3 successful resyncs
# (bootstrap, SEC-PRV-1, SEC-PRV-2; the fleet stops at that moment), failed
# attempts before retries (by $ERR), failures after retries (units not
# `provisioned` in spaprovd: must be 0), spaprovd's and spasim's peak RSS.
#
# usage: bench/boot_storm.sh [BUILD_DIR]
# env:   DEVICES (10000)  TIME_SCALE (1000)  TIMEOUT (real seconds, 900)
#        MAX_XFERS (spasim --max-xfers: transfers in flight at once; unset =
#        spasim's default 256, DEVICES = every unit's request on the wire at once)
#        KEEP (keep the temporary directory)
set -u
B=$(cd "${1:-build}" && pwd) || { echo "no build directory ${1:-build}"; exit 1; }
N=${DEVICES:-10000}
X=${TIME_SCALE:-1000}
[ -x "$B/spasim" ] && [ -x "$B/spaprovd" ] && [ -x "$B/spaprov" ] ||
    { echo "missing spasim/spaprovd/spaprov in $B (build first)"; exit 1; }
[ -x /usr/bin/time ] || { echo "missing /usr/bin/time (GNU time)"; exit 1; }
export PATH="$B:$PATH" SPA_BUILD="$B"
FF_TIMEOUT=${TIMEOUT:-900}
. "$(dirname "$0")/../tests/integration/lib/fleet_flows.sh"

echo "boot storm: $N units at once, time scale $X, factory Resync_Random_Delay 2 (0..40 device s)"
echo "host: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
t0=$(date +%s.%N)
ff_init "$N"
ff_start_provd
t1=$(date +%s.%N)
awk -v n="$N" -v a="$t0" -v b="$t1" 'BEGIN { printf "set-up (PKI, %d certificates, import): %.1f s\n", n, b - a }'
FF_PREFIX=(/usr/bin/time -f '%M %U %S' -o "$T/sim.rss")
start=$(date +%s.%N)
EXTRA=()
[ -n "${MAX_XFERS:-}" ] && EXTRA=(--max-xfers "$MAX_XFERS")
ff_fleet storm "$X" $((FF_TIMEOUT * X)) --seed 1 "${EXTRA[@]}"
PROVD_HWM=$(awk '/^VmHWM:/ { print $2 }' "/proc/$FF_PROVD/status")
PROVD_CPU=$(awk '{ printf "%.1f", ($14 + $15) / 100 }' "/proc/$FF_PROVD/stat")
STATES=$(ff_states | tr '\n' ' ')
$CLI --data "$D" --json events --kind result --limit 100000000 >"$T/results.json"
echo "command: spasim --fleet $N --mac-base $FF_MAC_BASE --state \$T/state --dhcp-tftp 127.0.0.1:\$TP" \
    "--hosts \$T/certs/prov.test.hosts --ca \$D/ca/server-ca.crt --fleet-certs \$T/fleet" \
    "--syslog 127.0.0.1:\$YP --time-scale $X --until-resyncs 3 --duration $((FF_TIMEOUT * X)) --seed 1 ${EXTRA[*]}"
[ -s "$T/storm.json" ] || { echo "no statistics (exit $(cat "$T/storm.rc"))"; tail -5 "$T/storm.err"; exit 1; }
python3 - "$T/storm.json" "$(cat "$T/storm.rc")" "$(tail -1 "$T/sim.rss")" "$PROVD_HWM" \
    "$PROVD_CPU" "$STATES" "$T/results.json" "$start" <<'PY'
import datetime, json, sys
j = json.load(open(sys.argv[1]))
rc, sim, provd_kib, provd_cpu, states = sys.argv[2:7]
sim_kib, sim_user, sim_sys = sim.split()
res, start = json.load(open(sys.argv[7])), int(float(sys.argv[8]))
n, r = j['devices'], j['resyncs']
st = dict(zip(states.split()[::2], map(int, states.split()[1::2])))
prov = st.get('provisioned', 0)
print("all provisioned after   %.1f s real (%.0f device s; the two Resync_Periodic waits alone "
      "are %.1f s real at this scale)" % (j['elapsed']['real_s'], j['elapsed']['device_s'],
                                          7200 / j['time_scale']))
# each step: when spaprovd served its first and its N-th answer, in whole seconds
# since the fleet started (event times have 1 s resolution)
def t(e):
    return datetime.datetime.strptime(e['time'], '%Y-%m-%dT%H:%M:%SZ').replace(
        tzinfo=datetime.timezone.utc).timestamp() - start
steps = (('bootstrap (TFTP)', lambda e: e['text'].startswith('200 bootstrap profile'), False),
         ('SEC-PRV-1 (HTTPS)', lambda e: e['text'].startswith('200 SEC-PRV-1 profile'), True),
         ('SEC-PRV-2 (HTTP)', lambda e: e['text'].endswith(', encrypted'), True))
for name, match, per_mac in steps:
    seen, times = set(), []
    for e in sorted(res, key=lambda e: e['id']):
        if match(e) and not (per_mac and e['mac'] in seen):
            seen.add(e['mac'])
            times.append(t(e))
    if len(times) >= n:
        print("%-23s %d served from %.0f s to %.0f s" % (name, n, times[0], times[n - 1]))
    else:
        print("%-23s only %d served" % (name, len(times)))
print("resyncs                 %d attempted, %d succeeded" % (r['attempted'], r['succeeded']))
print("failures before retries %d %s" % (r['failed'], j['failures_by_err'] or ''))
print("failures after retries  %d  (units not provisioned; spaprovd states: %s)" % (n - prov, states))
print("latency ms              p50 %d  p90 %d  p99 %d  max %d" %
      tuple(j['latency_ms'][k] for k in ('p50', 'p90', 'p99', 'max')))
print("spaprovd peak RSS       %.1f MiB  (CPU %s s)" % (int(provd_kib) / 1024, provd_cpu))
print("spasim peak RSS         %.1f MiB  (CPU %.1f s)" % (int(sim_kib) / 1024,
                                                       float(sim_user) + float(sim_sys)))
print("spasim exit             %s  (1 = some attempt failed before its retry)" % rc)
sys.exit(0 if prov == n else 1)
PY
status=$?
echo "json: $(cat "$T/storm.json")"
exit $status
