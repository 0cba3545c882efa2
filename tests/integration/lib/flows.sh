# flows.sh — sourced by the provisioning-flow tests (flow1_bootstrap.sh,
# flow2_bind.sh, flow3_secprv.sh, flow4_rotate.sh, flow6_reports.sh,
# flow8_reset.sh), not a test itself: spaprovd on free 127.0.0.1 ports,
# recording relays (spa_relay) between spasim and spaprovd, spasim runs, and
# the assertions they share. Every process started is stopped by the EXIT
# trap; every wait is bounded.
#
# flows_setup: checks the peers (exit 77 when missing), makes $T (removed at
# exit) and sets $CLI, $RELAY, $D (data dir) and the free spaprovd ports HP SP
# TP YP (HTTP/HTTPS/TFTP/syslog).
# flows_init: flows_setup, then relays RH RT RY (HTTP/TFTP/syslog) with
# captures $T/http.cap $T/tftp.cap $T/syslog.cap, and a PKI made with
# `spaprov ca`: certificates in $T/certs (server prov.test, device $MAC),
# $T/hosts.
# spaprovd's stderr goes to $T/provd.log.
. "$(dirname "$0")/lib/assert.sh"
. "$(dirname "$0")/lib/peers.sh"

MAC=${MAC:-000e08f10001}
SN=${SN:-F1SN0001}
PROVD_PID=

# die MSG: print MSG and the logs in $T, exit 1
die() {
    echo "FAIL - $*"
    for f in "$T/provd.log" "$T"/*.err; do [ -s "$f" ] && sed "s|^|  $(basename "$f"): |" "$f"; done
    exit 1
}

flows_need() {
    need python3 curl openssl spasim spaprovd
    CLI=${SPA_BUILD:-.}/spaprov
    [ -x "$CLI" ] || CLI=$(command -v spaprov) || exit 77
    RELAY=${SPA_TOOLS:-${SPA_BUILD:-.}/tests/tools}/spa_relay
    [ -x "$RELAY" ] || { echo "skip: need spa_relay"; exit 77; }
}

flows_setup() {
    flows_need
    peers_init "$(basename "$0" .sh)"
    D="$T/data"
    read -r HP SP TP YP < <(pick_ports tcp tcp udp udp)
}

# relay tcp|udp UPSTREAM_PORT CAPTURE: an eavesdropper in front of
# 127.0.0.1:UPSTREAM_PORT recording to CAPTURE; its port in $RPORT
relay() {
    : >"$3.port"
    "$RELAY" "$1" 127.0.0.1 "$2" "$3" 170 >"$3.port" 2>>"$T/relay.err" &
    PIDS+=($!)
    RPORT=$(port_line "$3.port") || die "relay $1 $2 did not start"
}

flows_init() {
    flows_setup
    relay tcp "$HP" "$T/http.cap"; RH=$RPORT
    relay udp "$TP" "$T/tftp.cap"; RT=$RPORT
    relay udp "$YP" "$T/syslog.cap"; RY=$RPORT
    # the PKI: roots, the server certificate for prov.test, the unit's certificate
    $CLI --data "$D" ca init --org "Example Telco" >/dev/null || die "ca init"
    $CLI --data "$D" ca issue-server --cn prov.test --ip 127.0.0.1 --out "$T/certs" >/dev/null ||
        die "ca issue-server"
    $CLI --data "$D" ca issue-device --model SPA2102 --mac $MAC --serial $SN --out "$T/certs" \
        >/dev/null || die "ca issue-device"
    cp "$T/certs/prov.test.hosts" "$T/hosts"
}

# conf EXTRA…: write $T/conf (ports, TLS, client CA) plus the extra lines
conf() {
    {
        printf 'HTTP_Port "%s"; HTTPS_Port "%s"; TFTP_Port "%s"; Syslog_Port "%s";\n' \
            "$HP" "$SP" "$TP" "$YP"
        printf 'TLS_Cert "%s"; TLS_Key "%s"; Client_CA "%s";\n' "$T/certs/prov.test.crt" \
            "$T/certs/prov.test.key" "$D/ca/client-ca.crt"
        printf '%s\n' "$@"
    } >"$T/conf"
}

# start_provd [CONF]: spaprovd on CONF (default $T/conf) and $D
start_provd() {
    start_spaprovd "${1:-$T/conf}" "$D" "$HP" "$T/provd.log" || die "spaprovd did not start"
}

reload_provd() { # new $T/conf in force (SIGHUP)
    kill -HUP "$PROVD_PID"
    sleep 0.5
}

# sim NAME STATE ARGS…: one power-up and resync sequence (--once); JSON in $T/NAME.json
sim() {
    local name=$1 st=$2; shift 2
    timeout 90 spasim --model SPA2102 --mac $MAC --serial $SN --state "$st" --once --timeout 60 \
        --hosts "$T/hosts" --ca "$D/ca/server-ca.crt" --syslog "127.0.0.1:$RY" "$@" \
        >"$T/$name.json" 2>"$T/$name.err"
}
TLSDEV=()
tls_dev() { TLSDEV=(--cert "$T/certs/$MAC.crt" --key "$T/certs/$MAC.key"); }

# spacfg STATE OUT [ARGS]: the unit's /admin/spacfg.xml, read from a
# short-lived spasim on that state directory. Seed 24 draws the longest
# power-up delay (40 s with Resync_Random_Delay 2), so the reader never
# resyncs; its status is checked to prove it.
spacfg() {
    local st=$1 out=$2
    shift 2
    start_spasim "spacfg.$RANDOM" --model SPA2102 --mac $MAC --serial $SN --state "$st" \
        --seed 24 --hosts /dev/null "$@"
    curl -s -o "$out" "$A/spacfg.xml"
    curl -s "$A/status" | grep -q '"resyncs":0,' ||
        bad "spacfg reader resynced (its power-up delay was not the long one)"
    kill -TERM "$SIM_PID" 2>/dev/null
    wait "$SIM_PID" 2>/dev/null
}

# val FILE NAME: a parameter's value in a <flat-profile> file
val() {
    python3 -c '
import sys, xml.etree.ElementTree as E
r = E.parse(sys.argv[1]).getroot()
for e in r.iter(sys.argv[2]):
    print(e.text or ""); break' "$1" "$2"
}

key_of() { $CLI --data "$D" device show $MAC --secrets; }
path_of() { $CLI --data "$D" device show $MAC --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["path"])'; }
state_of() { $CLI --data "$D" device show $MAC --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])'; }

# has_event TEXT: an event of the MAC contains TEXT
has_event() { $CLI --data "$D" events --mac $MAC --limit 5000 | grep -qF -- "$1"; }

# wait_event MAC ERE [ARGS…]: waits (10 s) until `spaprov events --mac MAC
# ARGS…` has a line matching ERE
wait_event() {
    local mac=$1 ere=$2
    shift 2
    for _ in $(seq 100); do
        $CLI --data "$D" events --mac "$mac" "$@" 2>/dev/null | grep -Eq -- "$ere" && return 0
        sleep 0.1
    done
    return 1
}

# no_secret LABEL VALUE FILES…: VALUE occurs in none of the capture files
no_secret() {
    local label=$1 v=$2
    shift 2
    [ -n "$v" ] || { bad "$label: empty value to look for"; return; }
    if grep -qF -- "$v" "$@" 2>/dev/null; then bad "$label appears in a plain capture"; else ok "$label not in any plain HTTP/TFTP/syslog capture"; fi
}

# start_spasim NAME ARGS…: a daemon spasim (at most 100 s) with an admin
# server on a free port (state dir, identity… in ARGS); its admin URL in $A,
# its pid in SIM_PID, output in $T/NAME.out and $T/NAME.err
start_spasim() {
    local name=$1 ap
    shift
    : >"$T/$name.out"   # made before spasim starts: no stale "port" line can be read
    timeout 100 spasim "$@" --http 127.0.0.1:0 >"$T/$name.out" 2>"$T/$name.err" &
    SIM_PID=$!
    PIDS+=("$SIM_PID")
    ap=$(port_line "$T/$name.out") || die "spasim $name did not start"
    A="http://127.0.0.1:$ap/admin"
}

flows_end() {
    stop_spaprovd || bad "spaprovd ignored SIGTERM"
    if [ "$FAILS" -gt 0 ]; then
        for f in "$T"/*.json "$T"/*.err "$T/provd.log"; do [ -s "$f" ] && { echo "--- $f"; cat "$f"; }; done
        echo "--- events"; $CLI --data "$D" events --mac $MAC --limit 200
        echo "$FAILS check(s) failed"
        exit 1
    fi
    echo "all passed"
    exit 0
}
