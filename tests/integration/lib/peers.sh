# peers.sh — sourced by the integration scripts (not a test itself): free
# loopback ports and a private nginx for the spasim peer tests. Expects $T
# (the test's temporary folder) and the PIDS array the cleanup trap kills.
#   pick_port               a free TCP port on 127.0.0.1
#   pick6 STREAM|DGRAM      a free port on ::1 (empty output: no ::1 here)
#   start_nginx DIR FORMAT SERVERS [ESCAPE]
#                           nginx -p DIR with log_format spa FORMAT (escape=
#                           ESCAPE: default, json or none), access log
#                           DIR/logs/access.log and the server blocks
#                           SERVERS; returns 1 when the config is refused
#   wait_http URL           until URL answers (at most 5 s)
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

pick_port() {
    python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])' 2>/dev/null \
        || echo $((20000 + RANDOM % 20000))
}

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
