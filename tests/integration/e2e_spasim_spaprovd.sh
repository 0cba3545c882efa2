# e2e_spasim_spaprovd.sh — the emulator against the server, end to end:
# spaprovd on free 127.0.0.1 ports with a temporary database; a device added
# with `spaprov device add`, a parameter at global and one at device scope;
# then `spasim --once` fetches its encrypted profile ([--key DEVICEKEY] in
# Profile_Rule) over HTTP, and over TFTP through DHCP option 66 given as
# HOST:PORT (--dhcp-tftp). Asserts: spasim's JSON says ok, both parameters
# reach spasim's flash (config.xml), spaprovd stored request/result events
# for the MAC and spasim's syslog lines (--syslog) as syslog events of the
# MAC. Every wait is bounded; everything started is killed at exit.
set -u
command -v python3 >/dev/null || exit 77
command -v curl >/dev/null || exit 77
CLI=${SPA_BUILD:-.}/spaprov
[ -x "$CLI" ] || CLI=$(command -v spaprov) || exit 77
command -v spasim >/dev/null && command -v spaprovd >/dev/null || exit 77
. "$(dirname "$0")/lib/peers.sh"
peers_init e2e
fail() {
    echo "FAIL: $*"
    for f in "$T"/log "$T"/*.err "$T"/*.json; do
        [ -f "$f" ] && sed "s|^|  $(basename "$f"): |" "$f"
    done
    exit 1
}

read -r HP SP TP YP < <(pick_ports tcp tcp udp udp)

printf 'HTTP_Port "%s"; HTTPS_Port "%s";\nTFTP_Port "%s"; Syslog_Port "%s";\n' \
    "$HP" "$SP" "$TP" "$YP" >"$T/conf"
D="$T/data"
MAC=000e08e2e001
SN=E2E0001
$CLI --data "$D" device add $MAC SPA2102 --serial $SN || fail "device add"
$CLI --data "$D" param set --scope global GPP_B 'e2e-global' || fail "param global"
$CLI --data "$D" param set --scope device --target $MAC GPP_A 'e2e-device' || fail "param device"
KEY=$($CLI --data "$D" device show $MAC --secrets) || fail "device key"
[ ${#KEY} -eq 64 ] || fail "device key length ${#KEY}"

start_spaprovd "$T/conf" "$D" "$HP" || fail "spaprovd did not start"

sim() { # name, state dir, extra args…: JSON in $T/name.json, exit code returned
    local name=$1 st=$2; shift 2
    timeout 60 spasim --model SPA2102 --mac $MAC --serial $SN --state "$st" --once --timeout 30 \
        --syslog "127.0.0.1:$YP" "$@" >"$T/$name.json" 2>"$T/$name.err"
}
preset() { # state dir, Profile_Rule: a unit staged with its key and rule
    mkdir -p "$1" && chmod 700 "$1"
    printf '<flat-profile><Profile_Rule>%s</Profile_Rule><Resync_Random_Delay>0</Resync_Random_Delay></flat-profile>\n' \
        "$2" >"$1/config.xml"
}
check_run() { # name, state dir
    grep -q '"result":"ok"' "$T/$1.json" || fail "$1: spasim result not ok"
    grep -q '<GPP_A ua="na">e2e-device</GPP_A>' "$2/config.xml" || fail "$1: device-scope GPP_A not applied"
    grep -q '<GPP_B ua="na">e2e-global</GPP_B>' "$2/config.xml" || fail "$1: global GPP_B not applied"
}

# 1. HTTP, the per-device URL, encrypted with the device key.
S1="$T/st-http"
preset "$S1" "[--key $KEY]http://127.0.0.1:$HP/spa\$MA.cfg"
sim http "$S1" || fail "http: spasim exit $?"
check_run http "$S1"

# 2. TFTP, the server taken from DHCP option 66 as HOST:PORT.
S2="$T/st-tftp"
preset "$S2" "[--key $KEY]/spa\$MA.cfg"
sim tftp "$S2" --dhcp-tftp "127.0.0.1:$TP" || fail "tftp: spasim exit $?"
check_run tftp "$S2"

# 3. The server's view: request/result events and spasim's syslog lines.
ev() { $CLI --data "$D" events --mac $MAC --json >"$T/ev.json" 2>>"$T/ev.err"; }
has_ev() { # python condition over an event e (s = its JSON text)
    python3 -c '
import json,sys
ev=json.load(open(sys.argv[1]))
ok=any(eval(sys.argv[2], {}, {"e": e, "s": json.dumps(e)}) for e in ev)
sys.exit(0 if ok else 1)' "$T/ev.json" "$1"
}
ok=0
for _ in $(seq 30); do   # syslog is UDP: the collector may lag a little
    ev && has_ev "e.get('kind')=='syslog' and 'Successful resync tftp://127.0.0.1:$TP/spa$MAC.cfg' in s" &&
        ok=1 && break
    sleep 0.1
done
[ $ok = 1 ] || fail "syslog line with \$SERVIP:\$PORT of the TFTP resync not stored for the MAC"
has_ev "e.get('kind')=='syslog' and 'Successful resync http://127.0.0.1:$HP/spa$MAC.cfg' in s" ||
    fail "syslog line of the HTTP resync not stored for the MAC"
has_ev "e.get('kind')=='request' and e.get('text','').startswith('http GET /spa$MAC.cfg from 127.0.0.1')" ||
    fail "HTTP request event missing"
has_ev "e.get('kind')=='request' and e.get('text','').startswith('tftp RRQ /spa$MAC.cfg from 127.0.0.1')" ||
    fail "TFTP request event missing"
has_ev "e.get('kind')=='result' and e.get('text','').startswith('200 profile')" || fail "result event missing"
grep -q "$KEY" "$T/log" "$T"/*.err "$T/ev.json" && fail "device key in a log"

stop_spaprovd || fail "spaprovd ignored SIGTERM"
echo "ok"
exit 0
