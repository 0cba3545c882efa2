#!/usr/bin/env bash
# spasim_fleet.sh — the fleet benchmark (issue 5: 100,000 devices under
# 1 GiB RSS): `spasim --fleet` against nginx on 127.0.0.1 serving one static
# profile (every unit's /spa$MA.cfg maps to it) over HTTP. Reports the
# fleet's peak RSS (VmHWM, polled from /proc while it runs), the resync
# sequences that succeeded per real second, and the fleet's JSON. The
# device clock is scaled so that the power-up resyncs and one round of
# Resync_Periodic pass within the run.
#
# usage: bench/spasim_fleet.sh [BUILD_DIR]
# env:   DEVICES (100000)  TIME_SCALE (120)  DURATION (device seconds, 7200)
#        PERIODIC (Resync_Periodic of the served profile, 3600)
#        RAMP (power-ups per real second; unset = all at start, spread by
#        the factory Resync_Random_Delay 2 = 0..40 device seconds)
#        MAX_XFERS (unset = spasim's default)
set -eu
B=${1:-build}
SIM=$B/spasim
N=${DEVICES:-100000}
X=${TIME_SCALE:-120}
DUR=${DURATION:-7200}
PER=${PERIODIC:-3600}
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$SIM" ] || { echo "missing $SIM (build first)"; exit 1; }
[ -x "$NGINX" ] || { echo "missing nginx"; exit 1; }
command -v python3 >/dev/null || { echo "missing python3"; exit 1; }

W=$(mktemp -d /tmp/spasim-fleet-bench.XXXXXX)
NPID=
cleanup() { [ -n "$NPID" ] && kill "$NPID" 2>/dev/null; wait 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT

PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
mkdir -p "$W/root" "$W/logs" "$W/tmp"
printf '<flat-profile>\n<Resync_Periodic>%s</Resync_Periodic>\n<Resync_Error_Retry_Delay>60</Resync_Error_Retry_Delay>\n<GPP_B>fleet-bench</GPP_B>\n</flat-profile>\n' \
    "$PER" >"$W/root/spa.cfg"
USER_LINE=""
[ "$(id -u)" = 0 ] && USER_LINE="user root root;"
cat >"$W/nginx.conf" <<EOF
$USER_LINE
daemon off;
worker_processes 1;
worker_rlimit_nofile 20000;
pid $W/nginx.pid;
error_log $W/logs/error.log crit;
events { worker_connections 8192; }
http {
    access_log off;
    client_body_temp_path $W/tmp/body;
    proxy_temp_path $W/tmp/proxy;
    fastcgi_temp_path $W/tmp/fastcgi;
    uwsgi_temp_path $W/tmp/uwsgi;
    scgi_temp_path $W/tmp/scgi;
    server {
        listen 127.0.0.1:$PORT backlog=4096;
        root $W/root;
        location / { try_files /spa.cfg =404; }
    }
}
EOF
"$NGINX" -p "$W" -c "$W/nginx.conf" 2>"$W/logs/start.err" &
NPID=$!
for _ in $(seq 50); do
    python3 -c "import socket;socket.create_connection(('127.0.0.1',$PORT),1)" 2>/dev/null && break
    sleep 0.1
done
kill -0 "$NPID" 2>/dev/null || { cat "$W/logs/start.err"; echo "nginx did not start"; exit 1; }

printf '<flat-profile><Profile_Rule>http://127.0.0.1:%s/spa$MA.cfg</Profile_Rule></flat-profile>\n' \
    "$PORT" >"$W/stage.xml"
EXTRA=()
[ -n "${RAMP:-}" ] && EXTRA+=(--ramp "$RAMP")
[ -n "${MAX_XFERS:-}" ] && EXTRA+=(--max-xfers "$MAX_XFERS")
CMD=("$SIM" --fleet "$N" --mac-base 000e08000000 --profile "$W/stage.xml" --time-scale "$X"
     --duration "$DUR" --seed 1 "${EXTRA[@]}")
echo "spasim fleet: $N devices, time scale $X, $DUR device seconds ($(python3 -c "print(round($DUR/$X,1))") s real), Resync_Periodic $PER"
echo "host: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "command: ${CMD[*]/#$W/\$W}"
t0=$(date +%s.%N)
"${CMD[@]}" >"$W/fleet.json" 2>"$W/fleet.err" &
SPID=$!
hwm=0
while kill -0 "$SPID" 2>/dev/null; do
    v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SPID/status" 2>/dev/null || true)
    [ -n "$v" ] && hwm=$v
    sleep 0.2
done
rc=0
wait "$SPID" || rc=$?
t1=$(date +%s.%N)
[ -s "$W/fleet.err" ] && sed 's/^/  spasim: /' "$W/fleet.err" | tail -5
[ -s "$W/fleet.json" ] || { echo "no statistics (exit $rc)"; exit 1; }
python3 - "$W/fleet.json" "$hwm" "$rc" "$t0" "$t1" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
hwm_kib, rc = int(sys.argv[2]), int(sys.argv[3])
wall = float(sys.argv[5]) - float(sys.argv[4])
r = j['resyncs']
print("peak RSS (VmHWM)    %.1f MiB  (%.0f bytes per device; target 1 GiB for 100000)" %
      (hwm_kib / 1024, hwm_kib * 1024 / max(1, j['devices'])))
print("resyncs             %d attempted, %d succeeded, %d failed %s" %
      (r['attempted'], r['succeeded'], r['failed'], j['failures_by_err'] or ''))
print("succeeded per s     %.0f  (over %.1f s of fleet run, %.1f s wall incl. start-up)" %
      (r['succeeded_per_s'], j['elapsed']['real_s'], wall))
print("units synced        %d of %d" % (j['units_synced'], j['devices']))
l = j['latency_ms']
print("latency ms          p50 %d  p90 %d  p99 %d  max %d" % (l['p50'], l['p90'], l['p99'], l['max']))
print("spasim exit         %d" % rc)
PY
echo "json: $(cat "$W/fleet.json")"
