# fleet_flows.sh — sourced by tests/integration/fleet_flows.sh and
# bench/boot_storm.sh, not a test itself: a whole fleet through flows 1 and 3
# (docs/flows.md) against one spaprovd on free 127.0.0.1 ports.
#
#   ff_init N          temp dir $T, data dir $D, ports HP SP TP YP, the PKI
#                      (`spaprov ca init`, `ca issue-server prov.test`), N units
#                      in $T/devices.csv imported (`spaprov device import`) and
#                      given their certificates (`ca issue-device --batch` →
#                      $T/fleet/<mac>.crt/.key), the global parameters of the
#                      final profile, $T/conf (Bootstrap_Rule, Secure_Provisioning,
#                      Client_CA, TFTP_Rate $FF_TFTP_RATE)
#   ff_start_provd     spaprovd in the background ($FF_PROVD), up and answering
#   ff_fleet NAME X D ARGS…   (ff_fleet_bg + ff_wait: in the background, $FF_SIM)
#                      spasim --fleet N of factory-default units given only
#                      --dhcp-tftp (+ --hosts, --ca, --fleet-certs, --syslog,
#                      --state $T/state), device clock X times real time, ending
#                      once every unit had 3 successful resyncs (bootstrap,
#                      SEC-PRV-1, SEC-PRV-2) or after D device seconds; JSON in
#                      $T/NAME.json, exit status in $T/NAME.rc, stderr in
#                      $T/NAME.err; killed after $FF_TIMEOUT real seconds
#   ff_states          "STATE COUNT" lines of `spaprov --json device list`
#   ff_cleanup         kill what was started, remove $T (unless KEEP is set)
#
# Unit i: MAC 000e08f00000 + i, serial FLT000000000 + i (spasim's default
# --serial-base), so the CSV, the certificates and the fleet agree.
FF_MAC_BASE=000e08f00000
FF_PROVD=
FF_SIM=
FF_TFTP_RATE=${FF_TFTP_RATE:-1000000}
FF_TIMEOUT=${FF_TIMEOUT:-170}   # real seconds a fleet may run
FF_PREFIX=()                    # a wrapper for spasim (the benchmark: /usr/bin/time)

ff_cleanup() {
    [ -n "$FF_SIM" ] && kill -TERM "$FF_SIM" 2>/dev/null   # timeout passes it on
    if [ -n "$FF_PROVD" ] && kill -TERM "$FF_PROVD" 2>/dev/null; then
        for _ in $(seq 50); do kill -0 "$FF_PROVD" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$FF_PROVD" 2>/dev/null
        wait "$FF_PROVD" 2>/dev/null
    fi
    [ -n "${KEEP:-}" ] && echo "kept $T" || rm -rf "$T"
}

ff_die() {
    echo "FAIL - $*"
    [ -s "$T/provd.log" ] && tail -20 "$T/provd.log" | sed 's/^/  spaprovd: /'
    exit 1
}

ff_need() {
    for c in python3 curl spasim spaprovd; do
        command -v "$c" >/dev/null 2>&1 || { echo "skip: need $c"; exit 77; }
    done
    CLI=${SPA_BUILD:-.}/spaprov
    [ -x "$CLI" ] || CLI=$(command -v spaprov) || { echo "skip: need spaprov"; exit 77; }
}

ff_ports() {
    read -r HP SP TP YP < <(python3 -c '
import socket
s=[]
for kind in (socket.SOCK_STREAM,socket.SOCK_STREAM,socket.SOCK_DGRAM,socket.SOCK_DGRAM):
    x=socket.socket(socket.AF_INET,kind); x.bind(("127.0.0.1",0)); s.append(x)
print(*[x.getsockname()[1] for x in s])')
}

ff_init() {
    FF_N=$1
    ff_need
    T=$(mktemp -d /tmp/spa-fleetflows.XXXXXX)
    trap ff_cleanup EXIT
    D="$T/data"
    ff_ports
    python3 -c "
import sys
n, base = int(sys.argv[1]), int(sys.argv[2], 16)
print('mac,model,serial')
for i in range(n): print('%012x,SPA2102,FLT%09d' % (base + i, i))" "$FF_N" "$FF_MAC_BASE" \
        >"$T/devices.csv"
    $CLI --data "$D" ca init --org "Example Telco" >/dev/null 2>"$T/ca.err" || ff_die "ca init"
    $CLI --data "$D" ca issue-server --cn prov.test --ip 127.0.0.1 --out "$T/certs" >/dev/null \
        2>>"$T/ca.err" || ff_die "ca issue-server"
    $CLI --data "$D" device import "$T/devices.csv" >/dev/null 2>"$T/import.err" ||
        ff_die "device import"
    $CLI --data "$D" ca issue-device --batch "$T/devices.csv" --out "$T/fleet" >/dev/null \
        2>>"$T/ca.err" || ff_die "ca issue-device --batch"
    # the full profile (SEC-PRV-2): per-unit values from templates, one plain value
    $CLI --data "$D" param set --scope global User_ID_1_ 'u{{device.serial}}' &&
        $CLI --data "$D" param set --scope global Display_Name_1_ 'Fleet {{device.mac}}' &&
        $CLI --data "$D" param set --scope global GPP_C gpp-c-fleet ||
        ff_die "param set"
    cat >"$T/conf" <<EOF
HTTP_Port "$HP"; HTTPS_Port "$SP"; TFTP_Port "$TP"; Syslog_Port "$YP";
TLS_Cert "$T/certs/prov.test.crt"; TLS_Key "$T/certs/prov.test.key";
Client_CA "$D/ca/client-ca.crt";
Bootstrap_Rule "https://prov.test:$SP/spa\$MA.cfg";
Secure_Provisioning "yes";
Secure_URL "http://127.0.0.1:$HP";
# every unit reaches spaprovd from 127.0.0.1: the per-client TFTP limit
# (default 50 RRQs/s) would count the whole fleet as one client
TFTP_Rate "$FF_TFTP_RATE";
EOF
}

ff_start_provd() {
    spaprovd --config "$T/conf" --data "$D" 2>>"$T/provd.log" &
    FF_PROVD=$!
    for _ in $(seq 100); do
        curl -s -o /dev/null "http://127.0.0.1:$HP/" && return 0
        kill -0 "$FF_PROVD" 2>/dev/null || break
        sleep 0.1
    done
    ff_die "spaprovd did not start"
}

# ff_fleet NAME TIME_SCALE DURATION ARGS…  (runs in the background: $FF_SIM; ff_wait)
ff_fleet_bg() {
    local name=$1 x=$2 dur=$3
    shift 3
    timeout -k 5 "$FF_TIMEOUT" "${FF_PREFIX[@]}" spasim --fleet "$FF_N" --mac-base "$FF_MAC_BASE" --state "$T/state" \
        --dhcp-tftp "127.0.0.1:$TP" --hosts "$T/certs/prov.test.hosts" \
        --ca "$D/ca/server-ca.crt" --fleet-certs "$T/fleet" --syslog "127.0.0.1:$YP" \
        --time-scale "$x" --until-resyncs 3 --duration "$dur" "$@" \
        >"$T/$name.json" 2>"$T/$name.err" &
    FF_SIM=$!
}

ff_wait() { # NAME: wait for the fleet, its exit status in $T/NAME.rc
    wait "$FF_SIM"
    echo $? >"$T/$1.rc"
    FF_SIM=
}

ff_fleet() {
    ff_fleet_bg "$@"
    ff_wait "$1"
}

ff_states() {
    $CLI --data "$D" --json device list | python3 -c '
import json, sys, collections
c = collections.Counter(d["state"] for d in json.load(sys.stdin))
for s, n in sorted(c.items()): print(s, n)'
}

# ff_json NAME EXPR: a python expression over the fleet's JSON j
ff_json() {
    python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
        "$T/$1.json" "$2"
}
