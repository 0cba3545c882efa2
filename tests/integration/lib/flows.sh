# flows.sh — sourced by the provisioning-flow tests (flow1_bootstrap.sh,
# flow3_secprv.sh, flow4_rotate.sh, flow8_reset.sh), not a test itself:
# a CA and certificates made with `spaprov ca`, spaprovd on free 127.0.0.1
# ports, recording relays (spa_relay) between spasim and spaprovd for plain
# HTTP, TFTP and syslog, spasim runs, and the assertions they share.
# Every process started is killed by the EXIT trap; every wait is bounded.
#
# After flows_init: $T (temp dir), $CLI, $RELAY, $D (data dir), ports
# HP SP TP YP (spaprovd HTTP/HTTPS/TFTP/syslog), relay ports RH RT RY
# (HTTP/TFTP/syslog) with captures $T/http.cap $T/tftp.cap $T/syslog.cap,
# certificates in $T/certs (server prov.test, device $MAC), $T/hosts.
. "$(dirname "$0")/lib/assert.sh"

MAC=${MAC:-000e08f10001}
SN=${SN:-F1SN0001}
PIDS=()
PPID_PROVD=

flows_cleanup() {
    for p in "${PIDS[@]}" $PPID_PROVD; do kill -9 "$p" 2>/dev/null; done
    rm -rf "$T"
}

flows_need() {
    for c in python3 curl openssl spasim spaprovd; do
        command -v "$c" >/dev/null 2>&1 || { echo "skip: need $c"; exit 77; }
    done
    CLI=${SPA_BUILD:-.}/spaprov
    [ -x "$CLI" ] || CLI=$(command -v spaprov) || exit 77
    RELAY=${SPA_TOOLS:-${SPA_BUILD:-.}/tests/tools}/spa_relay
    [ -x "$RELAY" ] || { echo "skip: need spa_relay"; exit 77; }
}

# free_ports: HP SP (tcp) TP YP (udp)
flows_ports() {
    read -r HP SP TP YP < <(python3 -c '
import socket
s=[]
for kind in (socket.SOCK_STREAM,socket.SOCK_STREAM,socket.SOCK_DGRAM,socket.SOCK_DGRAM):
    x=socket.socket(socket.AF_INET,kind); x.bind(("127.0.0.1",0)); s.append(x)
print(*[x.getsockname()[1] for x in s])')
}

# relay tcp|udp UPSTREAM_PORT CAPTURE → prints the relay's port
relay() {
    local out=$3.port
    : >"$out"
    "$RELAY" "$1" 127.0.0.1 "$2" "$3" 170 >"$out" 2>>"$T/relay.err" &
    PIDS+=($!)
    for _ in $(seq 100); do
        grep -q '^port ' "$out" 2>/dev/null && break
        sleep 0.1
    done
    awk '/^port /{print $2; exit}' "$out"
}

flows_init() {
    flows_need
    T=$(mktemp -d)
    trap flows_cleanup EXIT
    D="$T/data"
    flows_ports
    RH=$(relay tcp "$HP" "$T/http.cap")
    RT=$(relay udp "$TP" "$T/tftp.cap")
    RY=$(relay udp "$YP" "$T/syslog.cap")
    [ -n "$RH" ] && [ -n "$RT" ] && [ -n "$RY" ] || { echo "FAIL - relays did not start"; exit 1; }
    # the PKI: roots, the server certificate for prov.test, the unit's certificate
    $CLI --data "$D" ca init --org "Example Telco" >/dev/null || { echo "FAIL - ca init"; exit 1; }
    $CLI --data "$D" ca issue-server --cn prov.test --ip 127.0.0.1 --out "$T/certs" >/dev/null ||
        { echo "FAIL - ca issue-server"; exit 1; }
    $CLI --data "$D" ca issue-device --model SPA2102 --mac $MAC --serial $SN --out "$T/certs" \
        >/dev/null || { echo "FAIL - ca issue-device"; exit 1; }
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

start_provd() {
    spaprovd --config "$T/conf" --data "$D" 2>>"$T/provd.log" &
    PPID_PROVD=$!
    for _ in $(seq 100); do
        curl -s -o /dev/null "http://127.0.0.1:$HP/" && return 0
        sleep 0.1
    done
    echo "FAIL - spaprovd did not start"; cat "$T/provd.log"; exit 1
}

reload_provd() { # new $T/conf in force (SIGHUP), checked by a request
    kill -HUP "$PPID_PROVD"
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
    local st=$1 out=$2 p port po=$T/spacfg.$RANDOM.out
    shift 2
    : >"$po"   # made before the reader starts: no stale "port" line can be read
    timeout 30 spasim --model SPA2102 --mac $MAC --serial $SN --state "$st" --http 127.0.0.1:0 \
        --seed 24 --hosts /dev/null "$@" >"$po" 2>"$T/spacfg.err" &
    p=$!
    PIDS+=($p)
    for _ in $(seq 100); do
        grep -q '^port ' "$po" 2>/dev/null && break
        sleep 0.1
    done
    port=$(awk '/^port /{print $2; exit}' "$po")
    curl -s -o "$out" "http://127.0.0.1:$port/admin/spacfg.xml"
    curl -s "http://127.0.0.1:$port/admin/status" | grep -q '"resyncs":0,' ||
        bad "spacfg reader resynced (its power-up delay was not the long one)"
    kill -TERM $p 2>/dev/null
    wait $p 2>/dev/null
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

# no_secret LABEL VALUE FILES…: VALUE occurs in none of the capture files
no_secret() {
    local label=$1 v=$2
    shift 2
    [ -n "$v" ] || { bad "$label: empty value to look for"; return; }
    if grep -qF -- "$v" "$@" 2>/dev/null; then bad "$label appears in a plain capture"; else ok "$label not in any plain HTTP/TFTP/syslog capture"; fi
}

flows_end() {
    kill -TERM "$PPID_PROVD" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$PPID_PROVD" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$PPID_PROVD" 2>/dev/null && bad "spaprovd ignored SIGTERM"
    wait "$PPID_PROVD" 2>/dev/null
    PPID_PROVD=
    if [ "$FAILS" -gt 0 ]; then
        for f in "$T"/*.json "$T"/*.err "$T/provd.log"; do [ -s "$f" ] && { echo "--- $f"; cat "$f"; }; done
        echo "--- events"; $CLI --data "$D" events --mac $MAC --limit 200
        echo "$FAILS check(s) failed"
        exit 1
    fi
    echo "all passed"
    exit 0
}
