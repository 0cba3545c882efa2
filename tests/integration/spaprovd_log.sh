# spaprovd with Log "syslog": its start-up, request, refusal and shutdown
# lines reach a real rsyslogd (imuxsock on a socket of the test's own, via
# Log_Socket) with facility daemon and tag spaprovd[PID]; Log_Level drops
# the lines above it; no secret (device key, SIP password set with
# `spaprov param set`) appears in any log line, on syslog or stderr; with
# the socket unreachable, spaprovd says so once and logs to stderr.
set -u
command -v rsyslogd >/dev/null && command -v curl >/dev/null && command -v python3 >/dev/null ||
    exit 77
source "$SPA_SRC/tests/integration/lib/assert.sh"
CLI=$SPA_BUILD/spaprov
. "$(dirname "$0")/lib/peers.sh"
peers_init spaprovd-log
fail() { echo "FAIL: $*"; for f in "$T/err" "$T/syslog.out" "$T/rs.err"; do
    [ -f "$f" ] && sed "s|^|  $(basename "$f"): |" "$f"; done; exit 1; }

read -r HP TP < <(pick_ports tcp udp)

# A private rsyslogd: imuxsock on $T/log.sock, everything into syslog.out
# with facility.severity and tag.
cat > "$T/rsyslog.conf" <<EOF
global(workDirectory="$T")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$T/log.sock" RateLimit.Interval="0")
template(name="t" type="string" string="%syslogfacility-text%.%syslogseverity-text% %syslogtag%%msg%\n")
*.* action(type="omfile" File="$T/syslog.out" template="t")
EOF
rsyslogd -n -f "$T/rsyslog.conf" -i "$T/rsyslog.pid" 2> "$T/rs.err" &
PIDS+=($!)
for _ in $(seq 50); do [ -S "$T/log.sock" ] && break; sleep 0.1; done
[ -S "$T/log.sock" ] || { echo "rsyslogd did not create its socket; skipping"; cat "$T/rs.err"; exit 77; }

D="$T/data"
MAC=000e08aa1099
PW=Pw-Zq81xK-never-logged
$CLI --data "$D" device add $MAC SPA2102 --serial SNL099 || fail "device add"
$CLI --data "$D" param set --scope device --target $MAC Password_1_ "$PW" || fail "param set"
KEY=$($CLI --data "$D" device show $MAC --secrets)
printf 'HTTP_Port "%s"; HTTPS_Port "0"; TFTP_Port "%s"; Syslog_Port "0";\n' "$HP" "$TP" > "$T/conf"
printf 'Log "syslog"; Log_Socket "%s"; Log_Level "info";\n' "$T/log.sock" >> "$T/conf"

start_spaprovd "$T/conf" "$D" "$HP" "$T/err" || fail "spaprovd did not start"
curl -s -m 10 -o "$T/p.cfg" "http://127.0.0.1:$HP/spa$MAC.cfg" -A "Linksys/SPA-2102-5.1.10 (SNL099)"
curl -s -m 10 -o /dev/null "http://127.0.0.1:$HP/spa000e08ffffff.cfg"
curl -s -m 10 -o /dev/null --path-as-is "http://127.0.0.1:$HP/../etc/passwd"
kill -HUP "$PROVD_PID"
sleep 0.3
stop_spaprovd || bad "spaprovd ignored SIGTERM"
[ "${PROVD_RC:-}" = 0 ] && ok "spaprovd exit 0" || bad "exit status ${PROVD_RC:-none}"
for _ in $(seq 50); do grep -q 'stopped' "$T/syslog.out" 2>/dev/null && break; sleep 0.1; done
[ -s "$T/syslog.out" ] || fail "nothing reached rsyslog"

has "$T/syslog.out" "daemon.notice spaprovd[" && ok "facility daemon, tag spaprovd[PID]" ||
    bad "no daemon.notice spaprovd[ line"
grep -q "^daemon.notice spaprovd\[[0-9]*\]: serving (tftp 127.0.0.1:$TP, http 127.0.0.1:$HP" \
    "$T/syslog.out" && ok "start-up line" || bad "no start-up line"
grep -q "^daemon.info spaprovd\[[0-9]*\]: http GET /spa$MAC.cfg from 127.0.0.1: 200 profile" \
    "$T/syslog.out" && ok "request line (info)" || bad "no request line"
has "$T/syslog.out" "http GET /spa000e08ffffff.cfg from 127.0.0.1: 404 unknown device" &&
    ok "unknown device line" || bad "no unknown-device line"
has "$T/syslog.out" ": 403 path refused" && ok "refused path line" || bad "no refusal line"
has "$T/syslog.out" "configuration reloaded" && ok "reload line" || bad "no reload line"
grep -q "^daemon.notice spaprovd\[[0-9]*\]: stopped" "$T/syslog.out" && ok "shutdown line" ||
    bad "no stopped line"
[ -s "$T/err" ] && bad "stderr not empty while syslog works: $(head -3 "$T/err")" ||
    ok "nothing on stderr"
if grep -qF -e "$KEY" -e "$PW" "$T/syslog.out" "$T/err"; then
    bad "a secret reached the log"
else
    ok "no device key or password in any log line"
fi

# Log_Level notice: request lines (info) are dropped.
: > "$T/syslog.out"
sed -i 's/Log_Level "info"/Log_Level "notice"/' "$T/conf"
rm -f "$T/err"
start_spaprovd "$T/conf" "$D" "$HP" "$T/err" || bad "spaprovd did not start"
curl -s -m 10 -o /dev/null "http://127.0.0.1:$HP/spa$MAC.cfg"
stop_spaprovd || bad "spaprovd ignored SIGTERM"
for _ in $(seq 50); do grep -q 'stopped' "$T/syslog.out" 2>/dev/null && break; sleep 0.1; done
has "$T/syslog.out" "serving (" && ! has "$T/syslog.out" "http GET" &&
    ok "Log_Level notice drops request lines" || bad "Log_Level notice not applied"

# An unreachable socket: one note, then stderr.
sed -i "s|$T/log.sock|$T/no-such.sock|" "$T/conf"
rm -f "$T/err"
start_spaprovd "$T/conf" "$D" "$HP" "$T/err" || bad "spaprovd did not start"
stop_spaprovd || bad "spaprovd ignored SIGTERM"
has "$T/err" "cannot log to syslog socket $T/no-such.sock" && has "$T/err" "spaprovd: stopped" &&
    ok "unreachable syslog socket falls back to stderr" || bad "no fallback: $(cat "$T/err")"

# A bad Log value is a config error at its position.
printf 'Log "journal";\n' > "$T/bad.conf"
out=$(spaprovd --config "$T/bad.conf" --data "$D" 2>&1)
echo "$out" | grep -q "bad.conf:1:5: error: Log: expected stderr or syslog" &&
    ok "bad Log value reported at file:line:col" || bad "bad Log: $out"

[ $FAILS = 0 ] || fail "$FAILS failures"
echo "all ok"
