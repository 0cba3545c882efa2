# flows_retail.sh — sourced by the issue 7 flow tests 2 and 6 (not a test itself): the
# harness they share. Sourcing it checks the peers (exit 77 when missing),
# makes $T (removed at exit), and provides:
#   $CLI                       the spaprov admin CLI
#   HP SP TP YP                free 127.0.0.1 ports (HTTP, HTTPS, TFTP, syslog)
#   track PID                  kill PID at exit (TERM, then KILL: timeout(1)
#                              passes TERM on to the spasim it runs)
#   die MSG                    print MSG and every log in $T, exit 1
#   relay tcp|udp PORT FILE    an eavesdropper in front of PORT recording to
#                              FILE; its port in $RPORT (lib/capture_relay.py)
#   start_spaprovd CONF DATA   run spaprovd (stderr in $T/log), wait for HTTP
#   start_spasim NAME ARGS…    run a daemon spasim on an admin port (state
#                              dir, identity… in ARGS); its admin URL in $A
. "$(dirname "${BASH_SOURCE[0]}")/assert.sh"
command -v python3 >/dev/null && command -v curl >/dev/null || exit 77
command -v spasim >/dev/null && command -v spaprovd >/dev/null || exit 77
CLI=${SPA_BUILD:-.}/spaprov
[ -x "$CLI" ] || CLI=$(command -v spaprov) || exit 77
FLOWS_RELAY="$(dirname "${BASH_SOURCE[0]}")/capture_relay.py"
T=$(mktemp -d)
FLOWS_PIDS=()
track() { FLOWS_PIDS+=("$1"); }
flows_cleanup() {
    for p in "${FLOWS_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    sleep 0.3
    for p in "${FLOWS_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$T"
}
trap flows_cleanup EXIT
die() {
    echo "FAIL - $*"
    for f in "$T"/log "$T"/*.err; do [ -f "$f" ] && sed "s|^|  $(basename "$f"): |" "$f"; done
    exit 1
}

read -r HP SP TP YP < <(python3 -c '
import socket
s=[]
for kind in (socket.SOCK_STREAM,socket.SOCK_STREAM,socket.SOCK_DGRAM,socket.SOCK_DGRAM):
    x=socket.socket(socket.AF_INET,kind); x.bind(("127.0.0.1",0)); s.append(x)
print(*[x.getsockname()[1] for x in s])')

relay() {
    python3 "$FLOWS_RELAY" "$1" "$2" "$3" 120 >"$T/relay.$1.$2" 2>>"$T/relay.err" &
    track $!
    for _ in $(seq 50); do
        [ -s "$T/relay.$1.$2" ] && { RPORT=$(head -1 "$T/relay.$1.$2"); return 0; }
        sleep 0.1
    done
    die "relay did not start"
}

start_spaprovd() {
    spaprovd --config "$1" --data "$2" 2>"$T/log" &
    local pid=$!
    track $pid
    for _ in $(seq 50); do
        curl -s -o /dev/null "http://127.0.0.1:$HP/" && break
        sleep 0.1
    done
    kill -0 $pid 2>/dev/null || die "spaprovd did not start"
}

start_spasim() {
    local name=$1 ap=
    shift
    timeout 100 spasim "$@" --http 127.0.0.1:0 >"$T/$name.out" 2>"$T/$name.err" &
    track $!
    for _ in $(seq 50); do
        ap=$(awk '/^port /{print $2; exit}' "$T/$name.out" 2>/dev/null)
        [ -n "$ap" ] && break
        sleep 0.1
    done
    [ -n "$ap" ] || die "spasim $name did not start"
    A="http://127.0.0.1:$ap/admin"
}
