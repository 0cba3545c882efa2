#!/usr/bin/env bash
# spaprovd_peers.sh — spaprovd against the programs providers use today, in
# one run on 127.0.0.1, each pair measured with the same client, the same
# bytes and the same duration (DESIGN.md "Performance targets"):
#   HTTP   per-device encrypted profiles, wrk keep-alive    vs nginx static files
#   TFTP   transfers/s of the same ~10 KiB profile, tftp_load vs tftpd-hpa
#   HTTPS  full handshakes/s, tls_handshake, same key        vs nginx (EC P-256, RSA-2048)
# Setup: a temporary data dir with DEVICES devices (`spaprov device import`)
# and HOT of them with their own credentials and GPP_A..P (`spaprov param
# set`) on top of the full sample profile at model scope, which makes each
# hot device's encrypted profile about 10 KiB. The bytes nginx and tftpd-hpa
# serve are fetched from spaprovd with curl (spaprovd caches a rendered
# profile, so it serves these very bytes) and compared.
#
# usage: bench/spaprovd_peers.sh [BUILD_DIR]
# env:   DURATION (10)  seconds per measurement
#        WRK_THREADS (2) WRK_CONNS (64)   wrk -t/-c
#        TFTP_CONC (32) TFTP_BLKSIZE ("": no option, 512-byte blocks like a SPA)
#        TLS_CONNS (32)  TLS_GET ("": handshake + close_notify; a path: one GET each)
#        NGINX_WORKERS (1: the same one core spaprovd's single loop uses)
#        DEVICES (1000) HOT (16)  devices in the database / devices the load rotates over
#        PARTS ("http tftp https")  which parts to run
#        PERF_DIR ("")  when set, `perf record --call-graph dwarf` spaprovd during its runs
#        BENCH_DIR (TMPDIR)  where the data dir, nginx and tftpd roots live
# Needs: curl, openssl, python3; wrk + nginx (HTTP, HTTPS), in.tftpd run as
# root (TFTP). A part whose peer is missing is skipped with a line saying why.
set -u
B=${1:-build}
DUR=${DURATION:-10}
PARTS=${PARTS:-"http tftp https"}
HOT=${HOT:-16}
DEVICES=${DEVICES:-1000}
NGINX_WORKERS=${NGINX_WORKERS:-1}
UA='Linksys/SPA-2102-5.1.10 (88012BA01234)'
for t in "$B/spaprovd" "$B/spaprov" "$B/spc" "$B/tftp_load" "$B/tls_handshake"; do
    [ -x "$t" ] || { echo "missing $t (build first)"; exit 1; }
done
for t in curl openssl python3 timeout; do
    command -v $t >/dev/null || { echo "missing $t"; exit 1; }
done
B=$(cd "$B" && pwd)
CLI=$B/spaprov
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
TFTPD=$(command -v in.tftpd || echo /usr/sbin/in.tftpd)

T=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/spaprovd-bench.XXXXXX")
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
die() { echo "spaprovd_peers: $*"; for f in "$T"/*.log; do [ -s "$f" ] && tail -5 "$f" | sed "s|^|  $(basename "$f"): |"; done; exit 1; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
free_ports() { # kinds (t/u)...: free 127.0.0.1 ports below the ephemeral range
    # (other programs' ephemeral sockets cannot take them before we bind)
    python3 -c '
import random,socket,sys
s=[]
for k in sys.argv[1:]:
    while True:
        x=socket.socket(socket.AF_INET, socket.SOCK_STREAM if k=="t" else socket.SOCK_DGRAM)
        try: x.bind(("127.0.0.1", random.randint(10000, 32000))); s.append(x); break
        except OSError: x.close()
print(*[x.getsockname()[1] for x in s])' "$@"
}
wait_http() { # url pid: up to 5 s, 1 at once when pid exits (a port taken meanwhile)
    for _ in $(seq 50); do
        curl -sk -o /dev/null --max-time 1 "$1" && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
gone() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }
# Server CPU per operation. `perf stat -e task-clock` on the server and its
# descendants counts the children forked during the run too (tftpd-hpa forks
# one per transfer and never waits for them, so /proc's cutime misses them);
# without a usable perf, /proc/PID/stat of the process tree is read instead.
desc_pids() { echo "$1"; local q; for q in $(pgrep -P "$1"); do desc_pids "$q"; done; }
cpu_ticks() { # pid: CPU ticks of it and its live descendants
    local t=0 q
    for q in $(desc_pids "$1"); do
        t=$((t + $(sed 's/^.*) //' "/proc/$q/stat" 2>/dev/null | awk '{print $12 + $13 + $14 + $15}' || echo 0)))
    done
    echo "$t"
}
HZ=$(getconf CLK_TCK)
PERF_STAT=0
command -v perf >/dev/null && perf stat -e task-clock -x, -o /dev/null true >/dev/null 2>&1 && PERF_STAT=1
cpu_begin() { # pid
    CPU_T0=$(date +%s.%N)
    if [ $PERF_STAT = 1 ]; then
        perf stat -e task-clock -x, -o "$T/cpu.stat" -p "$(desc_pids "$1" | paste -sd,)" 2>/dev/null &
        CPU_PS=$!
        sleep 0.2
    else
        CPU0=$(cpu_ticks "$1")
    fi
}
cpu_end() { # pid ops: sets CPU_TXT ("N% of a core, U us/op") and US (us/op)
    local ms wall
    if [ $PERF_STAT = 1 ]; then
        kill -INT "$CPU_PS" 2>/dev/null; wait "$CPU_PS" 2>/dev/null
        ms=$(awk -F, '/task-clock/ {print $1; exit}' "$T/cpu.stat")
    else
        ms=$(calc %.3f "($(cpu_ticks "$1") - $CPU0) * 1000 / $HZ")
    fi
    wall=$(calc %.3f "$(date +%s.%N) - $CPU_T0")
    US=$(calc %.0f "${ms:-0} * 1000 / (${2:-0} ? ${2:-0} : 1)")
    CPU_TXT="server CPU $(calc %.0f "${ms:-0} / 10 / $wall")% of a core, $US us/op"
}
ROWS=()
row() { # label spaprovd peer ratio target cpu-ratio
    ROWS+=("$(printf '%-40s|%10s |%10s |%7s |%9s |%12s |' "$@")"); }
skip() { echo "skip: $*"; ROWS+=("$(printf '%-40s| skipped: %s' "$1" "$2")"); }
perf_start() { # name: sets PERF_PID
    PERF_PID=
    [ -n "${PERF_DIR:-}" ] && command -v perf >/dev/null || return 0
    mkdir -p "$PERF_DIR"
    perf record -F 999 --call-graph dwarf,16384 -o "$PERF_DIR/$1.data" -p "$2" > "$PERF_DIR/$1.log" 2>&1 &
    PERF_PID=$!
    sleep 0.3
}
perf_stop() {
    [ -n "$PERF_PID" ] || return 0
    kill -INT "$PERF_PID" 2>/dev/null
    wait "$PERF_PID" 2>/dev/null
    PERF_PID=
}

echo "spaprovd vs nginx / tftpd-hpa on 127.0.0.1, $DUR s per measurement, data in $T"
echo "host: $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)), load $(cut -d' ' -f1-3 /proc/loadavg), kernel $(uname -r)"
echo "peers: $("$NGINX" -v 2>&1 | sed 's/.*version: //' || echo 'no nginx'), $("$TFTPD" -V 2>&1 | head -1 | cut -d, -f1 || echo 'no in.tftpd'), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2 || echo 'no wrk'), $(openssl version | cut -d' ' -f1-2)"

# ---- data: devices, parameters, certificates ----------------------------------
D=$T/data
"$B/spc" --sample-profile "$T/full.txt" || die "spc --sample-profile"
awk -v n="$DEVICES" 'BEGIN { print "mac,model,serial";
    for (i = 0; i < n; i++) printf "000e08%06x,SPA2102,SN%06d\n", i, i }' > "$T/devices.csv"
"$CLI" --data "$D" device import "$T/devices.csv" > "$T/import.log" 2>&1 || die "device import"
grep '^[A-Za-z]' "$T/full.txt" | while IFS= read -r line; do
    n=${line%% *}; v=${line#* \"}; v=${v%\" ;}
    "$CLI" --data "$D" param set --scope model --target SPA2102 "$n" "$v" >> "$T/param.log" 2>&1 ||
        echo "param $n refused"
done
MACS=()
for i in $(seq 0 $((HOT - 1))); do
    m=$(printf '000e08%06x' "$i")
    MACS+=("$m")
    { "$CLI" --data "$D" param set --scope device --target "$m" 'User_ID[1]' "$((1000 + i))" &&
      "$CLI" --data "$D" param set --scope device --target "$m" 'Password[1]' "$(head -c 12 /dev/urandom | base64)" &&
      "$CLI" --data "$D" param set --scope device --target "$m" 'Display_Name[1]' "User $i" &&
      for p in A B C D E F G H I J K L M N O P; do
          "$CLI" --data "$D" param set --scope device --target "$m" "GPP_$p" "$(head -c 216 /dev/urandom | base64 -w0)" || exit 1
      done; } >> "$T/param.log" 2>&1 || die "param set for $m"
done
for k in ec rsa; do
    [ $k = ec ] && spec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256) || spec=(-newkey rsa:2048)
    openssl req -x509 "${spec[@]}" -nodes -days 2 -keyout "$T/$k.key" -out "$T/$k.pem" \
        -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null ||
        die "openssl req $k"
done

# ---- spaprovd ----------------------------------------------------------------------
start_provd() { # name conf-lines...: sets PROVD_PID
    local name=$1; shift
    printf '%s\n' "$@" > "$T/$name.conf"
    "$B/spaprovd" --config "$T/$name.conf" --data "$D" 2> "$T/$name.log" &
    PROVD_PID=$!
    PIDS+=("$PROVD_PID")
}
# Ports are picked free, but other programs on this machine pick random
# ports too: a server that could not bind is started again on new ones.
for attempt in 1 2 3 4 5; do
    read -r HP SP TP YP < <(free_ports t t u u)
    start_provd provd "HTTP_Port \"$HP\";" "HTTPS_Port \"$SP\";" "TFTP_Port \"$TP\";" \
        "Syslog_Port \"$YP\";" "TLS_Cert \"$T/ec.pem\";" "TLS_Key \"$T/ec.key\";" \
        'TFTP_Rate "1000000";'
    PROVD=$PROVD_PID
    wait_http "http://127.0.0.1:$HP/" "$PROVD" && break
    gone "$PROVD"
    [ $attempt = 5 ] && die "spaprovd did not start"
done

# the bytes: each hot device's profile as spaprovd serves it (twice: cached = stable)
W=$T/www
mkdir -p "$W"
for m in "${MACS[@]}"; do
    curl -sf -A "$UA" -o "$W/spa$m.cfg" "http://127.0.0.1:$HP/spa$m.cfg" || die "curl profile $m"
done
M0=${MACS[0]}
curl -sf -A "$UA" -o "$T/again.cfg" "http://127.0.0.1:$HP/spa$M0.cfg" || die "curl again"
cmp -s "$T/again.cfg" "$W/spa$M0.cfg" || die "spaprovd served different bytes twice (not cached?)"
SIZE=$(stat -c %s "$W/spa$M0.cfg")
echo "profile: $HOT hot devices of $DEVICES, $(grep -c '^[A-Za-z]' "$T/full.txt") parameters at model scope + 19 per device, $SIZE bytes encrypted (spa$M0.cfg)"
chmod -R a+rX "$T"

# ---- nginx ----------------------------------------------------------------------------
NGX=
if [ -x "$NGINX" ]; then
    N=$T/nginx
    mkdir -p "$N/logs" "$N/tmp"
    USER_LINE=""
    [ "$(id -u)" = 0 ] && USER_LINE="user root root;"
    cat > "$N/nginx.conf.in" <<EOF
$USER_LINE
daemon off;
worker_processes $NGINX_WORKERS;
pid $N/nginx.pid;
error_log $N/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log $N/logs/access.log;
    keepalive_requests 1000000;
    sendfile on;
    ssl_protocols TLSv1.2 TLSv1.3;
    client_body_temp_path $N/tmp/body;
    proxy_temp_path $N/tmp/proxy;
    fastcgi_temp_path $N/tmp/fastcgi;
    uwsgi_temp_path $N/tmp/uwsgi;
    scgi_temp_path $N/tmp/scgi;
    default_type application/octet-stream;
    server { listen 127.0.0.1:@NP@; root $W; }
    server { listen 127.0.0.1:@NS@ ssl; ssl_certificate $T/ec.pem; ssl_certificate_key $T/ec.key; root $W; }
    server { listen 127.0.0.1:@NR@ ssl; ssl_certificate $T/rsa.pem; ssl_certificate_key $T/rsa.key; root $W; }
}
EOF
    for attempt in 1 2 3 4 5; do
        read -r NP NS NR < <(free_ports t t t)
        sed -e "s/@NP@/$NP/" -e "s/@NS@/$NS/" -e "s/@NR@/$NR/" "$N/nginx.conf.in" > "$N/nginx.conf"
        "$NGINX" -t -c "$N/nginx.conf" -p "$N" > "$T/nginx-t.log" 2>&1 || die "nginx config: $(cat "$T/nginx-t.log")"
        "$NGINX" -c "$N/nginx.conf" -p "$N" > "$T/nginx.log" 2>&1 &
        NGX=$!
        PIDS+=("$NGX")
        wait_http "http://127.0.0.1:$NP/spa$M0.cfg" "$NGX" && break
        gone "$NGX"
        [ $attempt = 5 ] && die "nginx did not start"
    done
fi

# ---- (a) HTTP: wrk keep-alive ------------------------------------------------------
WT=${WRK_THREADS:-2} WC=${WRK_CONNS:-64}
LABEL_HTTP="HTTP profile req/s (wrk -t$WT -c$WC)"
wrk_run() { # name url-base server-pid: Requests/sec in $REQS, latency in $LAT
    local name=$1 base=$2
    cpu_begin "$3"
    timeout $((DUR + 30)) wrk -t"$WT" -c"$WC" -d"${DUR}s" --latency -H "User-Agent: $UA" \
        -s "$T/rotate.lua" "$base" -- "${MACS[@]/#/\/spa}" > "$T/wrk-$name.out" 2>&1
    REQS=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$T/wrk-$name.out")
    cpu_end "$3" "$(awk '/requests in/ {print $1}' "$T/wrk-$name.out")"
    LAT=$(awk '/^    Latency/ {a=$2} /^ +99%/ {p=$2} END {print a " avg, " p " p99"}' "$T/wrk-$name.out")
    local bad=$(awk '/Non-2xx/ {print $5}' "$T/wrk-$name.out")
    local errs=$(grep 'Socket errors' "$T/wrk-$name.out")
    echo "  $name: $REQS req/s, latency $LAT, $CPU_TXT${bad:+, NON-2xx: $bad}${errs:+, $errs}"
    [ -n "$REQS" ] || { cat "$T/wrk-$name.out"; REQS=0; }
}
if [[ " $PARTS " == *" http "* ]]; then
    if ! command -v wrk >/dev/null; then skip "$LABEL_HTTP" "no wrk"
    elif [ -z "$NGX" ]; then skip "$LABEL_HTTP" "no nginx"
    else
        cat > "$T/rotate.lua" <<'EOF'
-- one request per hot device's profile URL (given after --), in turn
local reqs, n, i = {}, 0, 0
function init(args)
    for _, p in ipairs(args) do reqs[#reqs + 1] = wrk.format("GET", p .. ".cfg") end
    n = #reqs
end
function request()
    i = i % n + 1
    return reqs[i]
end
EOF
        same=1
        for m in "${MACS[@]}"; do
            curl -sf -A "$UA" -o "$T/a.cfg" "http://127.0.0.1:$HP/spa$m.cfg" &&
                curl -sf -A "$UA" -o "$T/b.cfg" "http://127.0.0.1:$NP/spa$m.cfg" &&
                cmp -s "$T/a.cfg" "$T/b.cfg" || same=0
        done
        [ $same = 1 ] || die "spaprovd and nginx do not serve the same bytes"
        echo "HTTP: $HOT profile URLs in turn, $SIZE bytes each, identical from both (cmp)"
        perf_start http "$PROVD"
        wrk_run spaprovd "http://127.0.0.1:$HP" "$PROVD"; R1=$REQS; U1=$US
        perf_stop
        wrk_run nginx "http://127.0.0.1:$NP" "$NGX"; R2=$REQS; U2=$US
        # both saw the device's User-Agent (spaprovd: in its request events)
        "$CLI" --data "$D" events --mac "${MACS[$((HOT - 1))]}" --kind request --limit 1 > "$T/ev.txt" 2>&1
        grep -qF "ua=\"$UA\"" "$T/ev.txt" || echo "  WARNING: spaprovd's last request event lacks the User-Agent"
        tail -1 "$N/logs/access.log" | grep -qF "\"$UA\"" || echo "  WARNING: nginx's access log lacks the User-Agent"
        row "$LABEL_HTTP" "$R1" "$R2" "$(calc %.2f "$R1 / ($R2 ? $R2 : 1)")" ">= 0.50" "$U1 / $U2"
    fi
fi

# ---- (b) TFTP: tftp_load ----------------------------------------------------------------
TC=${TFTP_CONC:-32}
BS=${TFTP_BLKSIZE:-}
LABEL_TFTP="TFTP transfers/s ($TC at once${BS:+, blksize $BS})"
tftp_run() { # name port server-pid: transfers/s in $TPS
    cpu_begin "$3"
    # the client's own CPU too (user+sys of tftp_load): on 2 cores it and the
    # server share the machine, which bounds what either can reach
    local tm=()
    [ -x /usr/bin/time ] && tm=(/usr/bin/time -f '%U %S' -o "$T/tftp-$1.time")
    timeout $((DUR + 30)) "${tm[@]}" "$B/tftp_load" -c "$TC" -d "$DUR" ${BS:+-b "$BS"} -l "$SIZE" \
        127.0.0.1 "$2" "spa$M0.cfg" > "$T/tftp-$1.out" 2> "$T/tftp-$1.err"
    TPS=$(sed -n 's/.* = \([0-9]*\)\/s.*/\1/p' "$T/tftp-$1.out")
    local n=$(awk '{print $2}' "$T/tftp-$1.out")
    cpu_end "$3" "$n"
    local cl=$(awk -v n="${n:-0}" -v d="$DUR" 'NF == 2 && $1 ~ /^[0-9.]+$/ {
        printf "client CPU %.0f%% of a core, %.0f us/op", ($1 + $2) * 100 / d, n ? ($1 + $2) * 1e6 / n : 0 }' "$T/tftp-$1.time" 2>/dev/null)
    echo "  $1: $(sed 's/^tftp_load: //' "$T/tftp-$1.out"); $CPU_TXT${cl:+; $cl}"
    [ -s "$T/tftp-$1.err" ] && sed 's/^/    /' "$T/tftp-$1.err" | head -3
    [ -n "$TPS" ] || TPS=0
}
if [[ " $PARTS " == *" tftp "* ]]; then
    if [ ! -x "$TFTPD" ]; then skip "$LABEL_TFTP" "no in.tftpd (tftpd-hpa)"
    elif [ "$(id -u)" != 0 ]; then skip "$LABEL_TFTP" "in.tftpd --secure needs root"
    else
        for attempt in 1 2 3 4 5; do
            read -r NT < <(free_ports u)
            timeout $((4 * DUR + 120)) "$TFTPD" --foreground --address "127.0.0.1:$NT" --secure \
                --user nobody "$W" > "$T/tftpd.log" 2>&1 &
            TFTPD_PID=$!
            PIDS+=("$TFTPD_PID")
            sleep 0.5
            kill -0 "$TFTPD_PID" 2>/dev/null && break
            [ $attempt = 5 ] && die "in.tftpd did not start"
        done
        # the same bytes? one transfer from each, with the tftp-hpa client
        (cd "$T" && timeout 10 tftp -m binary 127.0.0.1 "$TP" -c get "spa$M0.cfg" t1.cfg &&
            timeout 10 tftp -m binary 127.0.0.1 "$NT" -c get "spa$M0.cfg" t2.cfg) > "$T/tftp-check.log" 2>&1
        cmp -s "$T/t1.cfg" "$W/spa$M0.cfg" && cmp -s "$T/t2.cfg" "$W/spa$M0.cfg" ||
            die "TFTP: spaprovd and tftpd-hpa do not serve the same bytes"
        echo "TFTP: spa$M0.cfg, $SIZE bytes, identical from both (tftp-hpa + cmp)"
        perf_start tftp "$PROVD"
        tftp_run spaprovd "$TP" "$PROVD"; R1=$TPS; U1=$US
        perf_stop
        tftp_run tftpd-hpa "$NT" "$TFTPD_PID"; R2=$TPS; U2=$US
        row "$LABEL_TFTP" "$R1" "$R2" "$(calc %.2f "$R1 / ($R2 ? $R2 : 1)")" ">= 5" "$U1 / $U2"
    fi
fi

# ---- (c) HTTPS: full handshakes ---------------------------------------------------------
TLC=${TLS_CONNS:-32}
tls_run() { # name port server-pid: handshakes/s in $HPS
    cpu_begin "$3"
    timeout $((DUR + 30)) "$B/tls_handshake" -c "$TLC" -d "$DUR" ${TLS_GET:+-g "$TLS_GET"} \
        127.0.0.1 "$2" > "$T/tls-$1.out" 2> "$T/tls-$1.err"
    HPS=$(sed -n 's/.* = \([0-9]*\)\/s.*/\1/p' "$T/tls-$1.out")
    cpu_end "$3" "$(awk '{print $2}' "$T/tls-$1.out")"
    echo "  $1: $(sed 's/^tls_handshake: //' "$T/tls-$1.out"); $CPU_TXT"
    [ -s "$T/tls-$1.err" ] && sed 's/^/    /' "$T/tls-$1.err" | head -3
    [ -n "$HPS" ] || HPS=0
}
if [[ " $PARTS " == *" https "* ]]; then
    for k in ec rsa; do
        [ $k = ec ] && kn="EC P-256" || kn="RSA-2048"
        LABEL="HTTPS handshakes/s ($kn, -c $TLC)"
        [ -n "$NGX" ] || { skip "$LABEL" "no nginx"; continue; }
        if [ $k = ec ]; then PORT=$SP PID=$PROVD
        else
            # a second spaprovd on the same data, HTTPS only, with the RSA certificate
            for attempt in 1 2 3 4 5; do
                read -r SR < <(free_ports t)
                start_provd provd-rsa 'HTTP_Port "0";' "HTTPS_Port \"$SR\";" 'TFTP_Port "0";' \
                    'Syslog_Port "0";' "TLS_Cert \"$T/rsa.pem\";" "TLS_Key \"$T/rsa.key\";"
                PORT=$SR PID=$PROVD_PID
                wait_http "https://127.0.0.1:$SR/" "$PID" && break
                gone "$PID"
                [ $attempt = 5 ] && die "spaprovd (RSA) did not start"
            done
        fi
        [ $k = ec ] && NPORT=$NS || NPORT=$NR
        echo "HTTPS $kn: same certificate and key in both, full handshakes${TLS_GET:+ + GET $TLS_GET}"
        perf_start "https-$k" "$PID"
        tls_run "spaprovd-$k" "$PORT" "$PID"; R1=$HPS; U1=$US
        perf_stop
        tls_run "nginx-$k" "$NPORT" "$NGX"; R2=$HPS; U2=$US
        row "$LABEL" "$R1" "$R2" "$(calc %.2f "$R1 / ($R2 ? $R2 : 1)")" ">= 0.90" "$U1 / $U2"
        [ $k = rsa ] && gone "$PID"
    done
fi

# ---- table ---------------------------------------------------------------------------------
echo
printf '%-40s|%10s |%10s |%7s |%9s |%12s | %s\n' "test" "spaprovd" "peer" "ratio" "target" "CPU us/op" "met"
printf -- '-%.0s' $(seq 102); echo
for r in "${ROWS[@]}"; do
    if [[ "$r" == *"skipped:"* ]]; then echo "$r"; continue; fi
    ratio=$(echo "$r" | awk -F'|' '{gsub(/ /,"",$4); print $4}')
    target=$(echo "$r" | awk -F'|' '{gsub(/[ >=]/,"",$5); print $5}')
    echo "$r $( [ "$(calc %d "($ratio >= $target)")" = 1 ] && echo yes || echo NO)"
done
echo "(peer: nginx $NGINX_WORKERS worker(s) / tftpd-hpa; ratio = spaprovd / peer throughput;"
echo " CPU us/op = server CPU time per request/transfer/handshake, spaprovd / peer, by $([ $PERF_STAT = 1 ] && echo 'perf stat' || echo '/proc (forked tftpd-hpa children not counted)'); load now $(cut -d' ' -f1-3 /proc/loadavg))"
grep -i 'error\|warn' "$T/provd.log" | grep -v 'making a self-signed' | head -5 | sed 's/^/spaprovd log: /'
exit 0
