# peers.sh — sourced by the integration scripts (not a test itself): free
# loopback ports and the peers they run (nginx, tftpd-hpa, spaprovd) in
# one place. peers_init makes $T (the test's temporary folder) and the PIDS
# array the cleanup trap stops; the functions below add what they start.
#   peers_init NAME         $T (a new /tmp/spa-NAME.XXXXXX), PIDS, and an EXIT
#                           trap running peers_cleanup
#   peers_cleanup           SIGTERM to every PIDS entry (timeout(1) passes it
#                           on), SIGKILL to those still there 2 s later, rm $T
#                           (kept when KEEP is set, to look at after a failure)
#   need CMD…               exit 77 (skipped) unless every CMD is on PATH or
#                           in /usr/sbin
#   need_spasim             SIM: spasim on PATH, else $SPA_BUILD/spasim; exit 1
#                           when it is not built
#   pick_ports KIND…        one free 127.0.0.1 port per KIND (tcp or udp), all
#                           held at once so that they differ
#   pick_port [KIND]        one free port on 127.0.0.1 (default tcp)
#   pick6 STREAM|DGRAM      a free port on ::1 (empty output: no ::1 here)
#   start_nginx DIR FORMAT SERVERS [ESCAPE]
#                           nginx -p DIR with log_format spa FORMAT (escape=
#                           ESCAPE: default, json or none), access log
#                           DIR/logs/access.log and the server blocks
#                           SERVERS; returns 1 when the config is refused
#   wait_http URL           until URL answers (at most 5 s)
#   port_line FILE          waits (10 s) for a line "port N" in FILE, the way
#                           spasim --http and spa_relay say where they listen,
#                           and prints N; returns 1 when none came
#   mkca NAME CN            a self-signed CA: $T/NAME.pem, $T/NAME.key
#   mkleaf NAME CA SUBJECT KEYSPEC EKU [SAN]
#                           a certificate $T/NAME.pem (key $T/NAME.key) of CA
#   test_pki                the client tests' certificates in $T: CAs ca and
#                           rogueca, servers srv (localhost), wrongcn (CN
#                           wrong.example) and roguesrv (of rogueca), the
#                           device dev (SPA2102, 000e08aabbcc/88012BA01234)
#   tls_servers NS NW NR    nginx server blocks on those ports for test_pki:
#                           NS srv + ssl_verify_client of ca, NW wrongcn, NR
#                           roguesrv, each serving $N/root
#   sim_once NAME RULE EXTRA [ARGS…]
#                           one spasim --once run (SPA2102 $MAC, serial
#                           88012BA01234, --hosts $T/hosts, at most 60 s) from
#                           a new state dir $T/NAME whose flash holds
#                           Profile_Rule RULE and the elements EXTRA; JSON in
#                           $T/NAME.json, stderr $T/NAME.err, status $T/NAME.rc
#   rc_is NAME CODE         that run's exit status was CODE
#   start_tftpd ADDR:PORT ROOT [ARGS…]
#                           in.tftpd --foreground serving ROOT (ARGS such as
#                           --secure, which chroots and needs root) for at
#                           most 120 s, log $T/tftpd.log; returns 1 unless it
#                           listens on PORT within 5 s
#   start_spaprovd CONF DATA HTTP_PORT [LOG]
#                           spaprovd, stderr appended to LOG (default $T/log),
#                           its pid in PROVD_PID; returns 1 unless it answers
#                           on HTTP_PORT within 5 s
#   stop_spaprovd           SIGTERM, then waits 5 s; returns 1 when it ignored
#                           the signal (killed then); its exit status in PROVD_RC
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
TFTPD=$(command -v in.tftpd || echo /usr/sbin/in.tftpd)

peers_init() {
    T=$(mktemp -d "/tmp/spa-$1.XXXXXX")
    PIDS=()
    trap peers_cleanup EXIT
}

peers_cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do
        for _ in $(seq 20); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    [ -n "${KEEP:-}" ] || rm -rf "$T"
}

need() {
    local c
    for c; do
        command -v "$c" >/dev/null 2>&1 || [ -x "/usr/sbin/$c" ] || { echo "skip: need $c"; exit 77; }
    done
}

need_spasim() {
    SIM=$(command -v spasim || echo "${SPA_BUILD:-.}/spasim")
    [ -x "$SIM" ] || { echo "spasim not built"; exit 1; }
}

pick_ports() {
    python3 -c '
import socket, sys
s = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM if k == "udp" else socket.SOCK_STREAM)
     for k in sys.argv[1:]]
for x in s:
    x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])' "$@"
}

pick_port() { pick_ports "${1:-tcp}"; }

pick6() {
    python3 -c "import socket;s=socket.socket(socket.AF_INET6,socket.SOCK_$1);s.bind(('::1',0));print(s.getsockname()[1])" 2>/dev/null
}

start_nginx() {
    local dir=$1 fmt=$2 servers=$3 escape=${4:-default} user_line=""
    mkdir -p "$dir/logs" "$dir/root" "$dir/tmp"
    [ "$(id -u)" = 0 ] && user_line="user root root;"
    cat >"$dir/nginx.conf" <<EOF
$user_line
daemon off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/logs/error.log info;
events { worker_connections 64; }
http {
    log_format spa escape=$escape '$fmt';
    access_log $dir/logs/access.log spa;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
$servers
}
EOF
    "$NGINX" -t -c "$dir/nginx.conf" -p "$dir" >"$dir/nginx-t.log" 2>&1 || { cat "$dir/nginx-t.log"; return 1; }
    "$NGINX" -c "$dir/nginx.conf" -p "$dir" >"$dir/nginx.out" 2>&1 &
    PIDS+=($!)
}

wait_http() {
    for _ in $(seq 50); do curl -s -o /dev/null --max-time 1 "$1" && return 0; sleep 0.1; done
    return 1
}

port_line() {
    local p
    for _ in $(seq 100); do
        p=$(awk '/^port /{print $2; exit}' "$1" 2>/dev/null)
        [ -n "$p" ] && { echo "$p"; return 0; }
        sleep 0.1
    done
    return 1
}

sim_once() {
    local name=$1 rule=$2 extra=$3
    shift 3
    mkdir -p "$T/$name"
    echo "<flat-profile><Profile_Rule>$rule</Profile_Rule>$extra</flat-profile>" >"$T/$name/config.xml"
    timeout 60 "$SIM" --model SPA2102 --mac $MAC --serial 88012BA01234 --state "$T/$name" \
        --hosts "$T/hosts" --once --timeout 40 "$@" >"$T/$name.json" 2>"$T/$name.err"
    echo $? >"$T/$name.rc"
}

rc_is() { [ "$(cat "$T/$1.rc")" = "$2" ]; }

start_tftpd() {
    local addr=$1 root=$2
    shift 2
    timeout 120 "$TFTPD" --foreground --address "$addr" "$@" "$root" >>"$T/tftpd.log" 2>&1 &
    PIDS+=($!)
    command -v ss >/dev/null || { sleep 0.5; kill -0 "${PIDS[-1]}" 2>/dev/null; return; }
    for _ in $(seq 50); do
        [ -n "$(ss -Hlun "sport = :${addr##*:}" 2>/dev/null)" ] && return 0
        sleep 0.1
    done
    return 1
}

start_spaprovd() {
    local conf=$1 data=$2 port=$3 log=${4:-$T/log}
    spaprovd --config "$conf" --data "$data" 2>>"$log" &
    PROVD_PID=$!
    PIDS+=("$PROVD_PID")
    for _ in $(seq 50); do
        curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/" && return 0
        kill -0 "$PROVD_PID" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

stop_spaprovd() {
    local pid=$PROVD_PID
    PROVD_PID=
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        return 1
    fi
    wait "$pid" 2>/dev/null
    PROVD_RC=$?
    return 0
}

mkca() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -keyout "$T/$1.key" -out "$T/$1.pem" -subj "/CN=$2" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

mkleaf() {
    openssl req -new -newkey "$4" -nodes -keyout "$T/$1.key" -out "$T/$1.csr" -subj "$3" 2>/dev/null
    { echo "extendedKeyUsage=$5"; [ -n "${6:-}" ] && echo "subjectAltName=$6"; } >"$T/$1.ext"
    openssl x509 -req -in "$T/$1.csr" -CA "$T/$2.pem" -CAkey "$T/$2.key" -CAcreateserial \
        -days 2 -out "$T/$1.pem" -extfile "$T/$1.ext" 2>/dev/null
}

test_pki() {
    local san="DNS:localhost,IP:127.0.0.1" f
    mkca ca "Test Linksys CA"
    mkca rogueca "Some Other CA"
    mkleaf srv ca "/CN=localhost/emailAddress=admin@localhost" rsa:2048 serverAuth "$san"
    mkleaf wrongcn ca "/CN=wrong.example" rsa:2048 serverAuth "$san"
    mkleaf roguesrv rogueca "/CN=localhost" rsa:2048 serverAuth "$san"
    mkleaf dev ca "/C=US/ST=000e08aabbcc/L=88012BA01234/O=Linksys/OU=SPA2102/CN=SPA2102-88012BA01234" \
        rsa:2048 clientAuth
    for f in ca srv wrongcn roguesrv dev; do
        [ -s "$T/$f.pem" ] || { echo "could not make certificate $f"; return 1; }
    done
}

tls_servers() {
    cat <<EOF
    server {
        listen 127.0.0.1:$1 ssl;
        ssl_certificate $T/srv.pem;
        ssl_certificate_key $T/srv.key;
        ssl_client_certificate $T/ca.pem;
        ssl_verify_client on;
        root $N/root;
    }
    server {
        listen 127.0.0.1:$2 ssl;
        ssl_certificate $T/wrongcn.pem;
        ssl_certificate_key $T/wrongcn.key;
        root $N/root;
    }
    server {
        listen 127.0.0.1:$3 ssl;
        ssl_certificate $T/roguesrv.pem;
        ssl_certificate_key $T/roguesrv.key;
        root $N/root;
    }
EOF
}
