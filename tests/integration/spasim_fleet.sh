#!/bin/bash
# spasim_fleet.sh — spasim --fleet against spaprovd on free 127.0.0.1 ports.
# A few hundred units imported with `spaprov device import`, Resync_Periodic
# set low with `spaprov param set`, the device clock scaled so that several
# periodic resyncs pass in seconds:
#   1. HTTP: each unit staged in --state DIR/<mac>/config.xml with its key
#      ([--key KEY]http://…/spa$MA.cfg); the JSON reports 0 failures and at
#      least 3 resyncs per unit; every unit's flash got the served value;
#      spaprovd stored request events for every MAC.
#   2. TFTP through DHCP option 66 (--dhcp-tftp 127.0.0.1:PORT), same checks.
#   3. A dead port (units powered up with --ramp): failures counted under
#      "connect failed", exit 1.
#   4. HTTPS with per-unit client certificates issued in memory from the
#      client CA (--fleet-ca/--fleet-ca-key) against spaprovd's Client_CA:
#      the rule's /$CCERT/spa.cfg names no MAC, so each unit is identified
#      by its certificate (events carry cert=<mac>), and the path must read
#      /Installed/spa.cfg.
#   5. The same with certificates from a batch issuer's folder (--fleet-certs).
# Runs 1, 2, 4, 5 end with --until-resyncs (every unit had K successful
# resyncs), so the counts do not depend on the machine's speed; --duration
# is only an upper bound. Plus usage errors. Every process has a time limit
# and is killed at exit.
set -u
command -v python3 >/dev/null || exit 77
CLI=${SPA_BUILD:-.}/spaprov
[ -x "$CLI" ] || CLI=$(command -v spaprov) || exit 77
SIM=$(command -v spasim || echo "${SPA_BUILD:-.}/spasim")
command -v spaprovd >/dev/null && [ -x "$SIM" ] || exit 77
CATOOL=${SPA_TOOLS:-${SPA_BUILD:-.}/tests/tools}/spa_catool
[ -x "$CATOOL" ] || { echo "skip: no spa_catool"; exit 77; }
. "$(dirname "$0")/lib/assert.sh"

. "$(dirname "$0")/lib/peers.sh"
peers_init fleet
die() { echo "FAIL: $*"; [ -f "$T/log" ] && sed 's/^/  spaprovd: /' "$T/log" | tail -20; exit 1; }

N=200
read -r HP SP TP YP DEAD < <(pick_ports tcp tcp udp udp tcp)

# ---- PKI: server root (CN=localhost) and client root -------------------------------
"$CATOOL" init "$T/ca" >/dev/null 2>"$T/ca.err" || die "ca init"
"$CATOOL" server "$T/ca" localhost "$T/srv" 2>>"$T/ca.err" || die "server certificate"
echo "127.0.0.1 localhost" >"$T/hosts"

# ---- spaprovd ------------------------------------------------------------------------
cat >"$T/conf" <<EOF
HTTP_Port "$HP"; HTTPS_Port "$SP"; TFTP_Port "$TP"; Syslog_Port "$YP";
TLS_Cert "$T/srv.crt"; TLS_Key "$T/srv.key";
Client_CA "$T/ca/client-ca.crt"; HTTPS_Plain "yes";
TFTP_Rate "100000";
EOF
D="$T/data"
python3 -c "
print('mac,model,serial')
for i in range($N): print('000e08f%05x,SPA2102,FLT%09d' % (i, i))" >"$T/dev.csv"
$CLI --data "$D" device import "$T/dev.csv" >/dev/null || die "device import"
$CLI --data "$D" param set --scope global Resync_Periodic 30 || die "param Resync_Periodic"
$CLI --data "$D" param set --scope global GPP_B fleet-global || die "param GPP_B"
MACS=$(cut -d, -f1 "$T/dev.csv" | tail -n +2)

start_spaprovd "$T/conf" "$D" "$HP" || die "spaprovd did not start"

# ---- helpers --------------------------------------------------------------------------
fleet() { # name, args…: JSON in $T/name.json, exit status in $T/name.rc
    local name=$1; shift
    timeout 120 "$SIM" --fleet "$@" --report "$T/$name.report" >"$T/$name.json" 2>"$T/$name.err"
    echo $? >"$T/$name.rc"
}
jq_() { # name, python expression over the JSON j → printed
    python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/$1.json" "$2"
}
json_ok() { # name, min resyncs per unit, units
    local name=$1 min=$2 n=$3
    check "$name: exit 0" [ "$(cat "$T/$name.rc")" = 0 ]
    check "$name: no failure" [ "$(jq_ "$name" "j['resyncs']['failed']")" = 0 ]
    check "$name: result ok" [ "$(jq_ "$name" "j['result']")" = ok ]
    check "$name: every unit synced" [ "$(jq_ "$name" "j['units_synced']")" = "$n" ]
    check "$name: >= $min resyncs per unit" \
        [ "$(jq_ "$name" "int(j['resyncs']['succeeded'] >= $min * $n)")" = 1 ]
    check "$name: latency percentiles ordered" \
        [ "$(jq_ "$name" "int(0 <= j['latency_ms']['p50'] <= j['latency_ms']['p90'] <= j['latency_ms']['p99'] <= j['latency_ms']['max'])")" = 1 ]
    check "$name: bytes received" [ "$(jq_ "$name" "int(j['bytes_received'] > 0)")" = 1 ]
    check "$name: --report equals stdout" cmp -s "$T/$name.json" "$T/$name.report"
}
events() { $CLI --data "$D" --json events --kind request --limit 1000000 >"$T/ev.json" 2>>"$T/ev.err"; }
# every MAC has a request event whose text matches the python condition c(t, mac)
every_mac() { # label, condition over the event text t and the unit's mac m, macs…
    local label=$1 cond=$2; shift 2
    events
    python3 - "$T/ev.json" "$cond" "$@" <<'PY'
import json, sys
ev = json.load(open(sys.argv[1]))
cond, macs = sys.argv[2], sys.argv[3:]
seen = set()
for e in ev:
    m, t = e.get('mac') or '', e.get('text', '')
    if m in macs and eval(cond, {}, {'t': t, 'm': m}):
        seen.add(m)
missing = [m for m in macs if m not in seen]
if missing:
    print('  missing %d MACs, e.g. %s' % (len(missing), missing[:3]))
    print('  last event: %s' % (ev[0] if ev else None))
sys.exit(1 if missing else 0)
PY
}
stage() { # every unit's config.xml in two state dirs: HTTP and TFTP rules with its key
    mkdir -p "$T/st-http" "$T/st-tftp"
    for m in $MACS; do
        k=$($CLI --data "$D" device show "$m" --secrets) || return 1
        mkdir -p "$T/st-http/$m" "$T/st-tftp/$m" && chmod 700 "$T/st-http/$m" "$T/st-tftp/$m"
        printf '<flat-profile><Profile_Rule>[--key %s]http://127.0.0.1:%s/spa$MA.cfg</Profile_Rule></flat-profile>\n' \
            "$k" "$HP" >"$T/st-http/$m/config.xml"
        printf '<flat-profile><Profile_Rule>[--key %s]/spa$MA.cfg</Profile_Rule></flat-profile>\n' \
            "$k" >"$T/st-tftp/$m/config.xml"
    done
}
flash_has() { # state dir, text: count of units whose config.xml has it
    grep -lF -- "$2" "$1"/*/config.xml 2>/dev/null | wc -l
}

# ---- usage errors -----------------------------------------------------------------------
"$SIM" --fleet 0 --mac-base 000e08000000 >/dev/null 2>"$T/u.err"
check "--fleet 0 is a usage error" [ $? = 2 ]
"$SIM" --fleet 3 >/dev/null 2>"$T/u.err"
check "--mac-base required" [ $? = 2 ]
"$SIM" --fleet 3 --mac-base ffffffffffff >/dev/null 2>"$T/u.err"
check "MAC range past ffffffffffff refused" [ $? = 1 ] && has "$T/u.err" "passes ffffffffffff"
"$SIM" --fleet 3 --mac-base 000e08000000 --time-scale abc >/dev/null 2>"$T/u.err"
check "bad --time-scale is a usage error" [ $? = 2 ]
"$SIM" --fleet 3 --mac-base 000e08000000 --fleet-ca "$T/ca/client-ca.crt" >/dev/null 2>"$T/u.err"
check "--fleet-ca without its key is a usage error" [ $? = 2 ]
"$SIM" --fleet 3 --mac-base 000e08000000 --fleet-certs "$T/nowhere" >/dev/null 2>"$T/u.err"
check "missing certificate file named" [ $? = 1 ] && has "$T/u.err" "nowhere/000e08000000.crt"

# ---- 1. HTTP, per-unit keys from the unit's flash --------------------------------------
stage || die "staging"
fleet http $N --mac-base 000e08f00000 --serial-base FLT000000000 --state "$T/st-http" \
    --time-scale 30 --until-resyncs 3 --duration 2400 --seed 1
json_ok http 3 $N
check "http: served value in every unit's flash" \
    [ "$(flash_has "$T/st-http" '<GPP_B ua="na">fleet-global</GPP_B>')" = $N ]
check "http: Resync_Periodic in every unit's flash" \
    [ "$(flash_has "$T/st-http" '<Resync_Periodic ua="na">30</Resync_Periodic>')" = $N ]
check "http: counters saved in device.state" \
    [ "$(awk -F= '$1 == "resync_ok" && $2 >= 3' "$T"/st-http/*/device.state | wc -l)" = $N ]
check "http: spaprovd saw every MAC" every_mac http "t.startswith('http GET /spa'+m+'.cfg')" $MACS

# ---- 2. TFTP through DHCP option 66 ---------------------------------------------------------
fleet tftp $N --mac-base 000e08f00000 --state "$T/st-tftp" --dhcp-tftp "127.0.0.1:$TP" \
    --time-scale 30 --until-resyncs 3 --duration 2400 --seed 2
json_ok tftp 3 $N
check "tftp: served value in every unit's flash" \
    [ "$(flash_has "$T/st-tftp" '<GPP_B ua="na">fleet-global</GPP_B>')" = $N ]
check "tftp: spaprovd saw every MAC" every_mac tftp "t.startswith('tftp RRQ /spa'+m+'.cfg')" $MACS

# ---- 3. a dead port ---------------------------------------------------------------------------
printf '<flat-profile><Profile_Rule>http://127.0.0.1:%s/spa$MA.cfg</Profile_Rule><Resync_Error_Retry_Delay>30</Resync_Error_Retry_Delay></flat-profile>\n' \
    "$DEAD" >"$T/dead.xml"
fleet dead 50 --mac-base 000e08d00000 --profile "$T/dead.xml" --time-scale 50 --duration 150 \
    --ramp 200
check "dead: exit 1" [ "$(cat "$T/dead.rc")" = 1 ]
check "dead: result fail" [ "$(jq_ dead "j['result']")" = fail ]
check "dead: failures by ERR" \
    [ "$(jq_ dead "int(j['failures_by_err'].get('connect failed', 0) == j['resyncs']['failed'] >= 50)")" = 1 ]
check "dead: nothing succeeded" [ "$(jq_ dead "j['resyncs']['succeeded']")" = 0 ]
check "dead: --ramp powered every unit" [ "$(jq_ dead "j['powered']")" = 50 ]

# ---- 4. HTTPS, certificates issued in memory ---------------------------------------------------
printf '<flat-profile><Profile_Rule>https://localhost:%s/$CCERT/spa.cfg</Profile_Rule></flat-profile>\n' \
    "$SP" >"$T/https.xml"
fleet certca $N --mac-base 000e08f00000 --profile "$T/https.xml" --ca "$T/ca/server-ca.crt" \
    --hosts "$T/hosts" --fleet-ca "$T/ca/client-ca.crt" --fleet-ca-key "$T/ca/client-ca.key" \
    --time-scale 30 --until-resyncs 2 --duration 2400
json_ok certca 2 $N
check "certca: every unit identified by its certificate, \$CCERT Installed" \
    every_mac certca "t.startswith('https GET /Installed/spa.cfg ') and t.endswith(' cert='+m)" $MACS

# ---- 5. HTTPS, certificates from a batch issuer's folder ----------------------------------------
head -n 21 "$T/dev.csv" >"$T/batch.csv"   # header + the first 20 units
"$CATOOL" batch "$T/ca" "$T/batch.csv" "$T/certs" >/dev/null 2>>"$T/ca.err" || die "batch issue"
B20=$(tail -n +2 "$T/batch.csv" | cut -d, -f1)
fleet certdir 20 --mac-base 000e08f00000 --profile "$T/https.xml" --ca "$T/ca/server-ca.crt" \
    --hosts "$T/hosts" --fleet-certs "$T/certs" --time-scale 30 --until-resyncs 2 --duration 2400
json_ok certdir 2 20
check "certdir: every unit identified by its certificate" \
    every_mac certdir "t.startswith('https GET /Installed/spa.cfg ') and t.endswith(' cert='+m)" $B20

grep -qiE 'key=[0-9a-f]{64}' "$T/log" "$T"/*.err "$T"/*.json && bad "a device key in a log or report"

stop_spaprovd || bad "spaprovd ignored SIGTERM"
if [ "$FAILS" != 0 ]; then
    for f in "$T"/*.err; do [ -s "$f" ] && sed "s|^|  $(basename "$f"): |" "$f" | tail -5; done
    echo "$FAILS failure(s)"
    exit 1
fi
echo "ok"
exit 0
