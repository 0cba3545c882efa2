# spaprovd's TFTP side under hostile input (what spaprovd_tftp_syslog.sh
# does not cover: traversal and unknown devices are there). 127.0.0.1/8 only;
# every wait is bounded.
#  1. Malformed packets, sent raw: truncated, unknown opcode, file name or
#     mode without NUL, unknown mode, option without value, absurd /
#     duplicate / oversize options, WRQ with uploads off. Each gets its RFC
#     error code (and message); afterwards the server still serves.
#  2. A flood of RRQs from one source (127.0.0.2, spa_tftpflood: as fast as
#     it can, over 16 source ports): the transfers started stay within the
#     TFTP_Rate bucket (burst 2*rate plus rate per second of flood), a
#     security event and a log line say so; during the flood tftp-hpa from
#     127.0.0.1 and curl over HTTP still get their files.
set -u
command -v python3 >/dev/null && command -v curl >/dev/null || exit 77
tftp -V 2>&1 | grep -qi 'tftp-hpa' || exit 77
source "$SPA_SRC/tests/integration/lib/assert.sh"
CLI=$SPA_BUILD/spaprov
NET=$SPA_TOOLS/spa_nettool
FLOOD=$SPA_TOOLS/spa_tftpflood
[ -x "$NET" ] && [ -x "$FLOOD" ] || exit 77
# 127.0.0.2 must be usable as a source address (Linux routes all of 127/8).
python3 -c 'import socket;socket.socket(socket.AF_INET,socket.SOCK_DGRAM).bind(("127.0.0.2",0))' ||
    exit 77
. "$(dirname "$0")/lib/peers.sh"
peers_init spaprovd-security
fail() { echo "FAIL: $*"; [ -f "$T/log" ] && sed 's/^/  log: /' "$T/log" | tail -40; exit 1; }

read -r HP TP < <(pick_ports tcp udp)
RATE=20
printf 'HTTP_Port "%s"; HTTPS_Port "0"; TFTP_Port "%s"; Syslog_Port "0"; TFTP_Rate "%s";\n' \
    "$HP" "$TP" "$RATE" > "$T/conf"
D="$T/data"
MAC=000e08aa5501
$CLI --data "$D" device add $MAC SPA2102 --serial SNS001 || fail "device add"
mkdir -p "$D/files"
head -c 3000 /dev/urandom > "$D/files/small.bin"
start_spaprovd "$T/conf" "$D" "$HP" || fail "spaprovd did not start"

# ---- 1. malformed packets ----------------------------------------------------
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
F=$(hex spa$MAC.cfg)
O=$(hex octet)
reply() { timeout 10 "$NET" raw 127.0.0.1 "$TP" "$1"; }
expect() { # what hex-request error-code message
    local got want
    got=$(reply "$2")
    want="0005000$3$(hex "$4")00"
    [ "$got" = "$want" ] && ok "$1: ERROR $3 ($4)" || bad "$1: got $got, want ERROR $3 $4"
}
expect "one byte" 00 4 "packet of 1 bytes is too short for an opcode"
expect "unknown opcode 9" 0009616263 4 "unknown opcode 9"
expect "opcode only" 0001 4 "RRQ: file name not NUL-terminated"
expect "file name without NUL" "0001$F" 4 "RRQ: file name not NUL-terminated"
expect "no mode" "0001${F}00" 4 "RRQ: mode missing or not NUL-terminated"
expect "unknown mode" "0001${F}00$(hex bogus)00" 4 "unknown mode 'bogus'"
expect "mail mode" "0001${F}00$(hex mail)00" 4 "mode 'mail' is not supported"
expect "option without value" "0001${F}00${O}00$(hex blksize)00" 4 \
    "option 'blksize' has no NUL-terminated value"
expect "oversize blksize" "0001${F}00${O}00$(hex blksize)00$(hex 99999)00" 8 \
    "option 'blksize': 99999 out of range 8..65464"
expect "absurd tsize" "0001${F}00${O}00$(hex tsize)00$(hex 99999999999999999999999)00" 8 \
    "option 'tsize': value '99999999999999999999999' is not a number"
expect "timeout 0" "0001${F}00${O}00$(hex timeout)00$(hex 0)00" 8 \
    "option 'timeout': 0 out of range 1..255"
expect "duplicate option" "0001${F}00${O}00$(hex blksize)00$(hex 512)00$(hex blksize)00$(hex 512)00" 8 \
    "duplicate option 'blksize'"
expect "WRQ with uploads off" "0002$(hex x.cfg)00${O}00" 2 "uploads are not accepted"
expect "DATA to the server port" 000300016161 5 "unknown transfer ID"
got=$(reply 0005000100)
[ "$got" = "no reply" ] && ok "an ERROR to the server port is not answered" || bad "ERROR answered: $got"
# the largest blksize asked for is granted as the MTU-sized maximum, not refused
got=$(reply "0001${F}00${O}00$(hex blksize)00$(hex 65464)00")
[ "$got" = "0006$(hex blksize)00$(hex 1468)00" ] && ok "blksize 65464 negotiated down to 1468" ||
    bad "blksize 65464: $got"
rm -f "$T/after.cfg"
(cd "$T" && timeout 20 tftp -m binary 127.0.0.1 "$TP" -c get spa$MAC.cfg after.cfg)
[ -s "$T/after.cfg" ] && head -c 8 "$T/after.cfg" | grep -q Salted__ &&
    ok "still serves after the malformed packets" || bad "no profile after malformed packets"

# ---- 2. a flood of RRQs from 127.0.0.2 --------------------------------------
# (a) 3000 RRQs as fast as possible: transfers started stay within the bucket.
timeout 30 "$FLOOD" -b 127.0.0.2 127.0.0.1 "$TP" 3000 small.bin > "$T/f1" || fail "flood tool"
read -r sent served secs < <(sed -n 's/sent=\([0-9]*\) served=\([0-9]*\) errors=[0-9]* seconds=\([0-9.]*\)/\1 \2 \3/p' "$T/f1")
cap=$(python3 -c "import math;print(2*$RATE + math.ceil($RATE*$secs) + 1)")
echo "# flood: $(cat "$T/f1"); cap $cap"
[ "${sent:-0}" -ge 3000 ] && [ "${served:-99999}" -ge 1 ] && [ "$served" -le "$cap" ] &&
    ok "3000 RRQs from one source: $served transfers started (cap $cap)" ||
    bad "flood: sent=$sent served=$served cap=$cap"

# (b) a 3-second flood while tftp-hpa (127.0.0.1) and curl fetch their files.
timeout 40 "$FLOOD" -b 127.0.0.2 -d 3 127.0.0.1 "$TP" 3000 small.bin > "$T/f2" &
FP=$!
sleep 0.5
rm -f "$T/during.cfg" "$T/during.bin"
t0=$(date +%s)
(cd "$T" && timeout 20 tftp -m binary 127.0.0.1 "$TP" -c get spa$MAC.cfg during.cfg)
(cd "$T" && timeout 20 tftp -m binary 127.0.0.1 "$TP" -c get small.bin during.bin)
curl -s -m 20 -o "$T/during.http" "http://127.0.0.1:$HP/spa$MAC.cfg"
t1=$(date +%s)
kill -0 $FP 2>/dev/null && ok "the fetches ran during the flood" || echo "# flood ended first"
wait $FP
echo "# flood: $(cat "$T/f2"); fetches took $((t1 - t0)) s (each bounded by 20 s)"
head -c 8 "$T/during.cfg" 2>/dev/null | grep -q Salted__ && ok "tftp-hpa profile during the flood" ||
    bad "tftp-hpa profile during the flood"
cmp -s "$T/during.bin" "$D/files/small.bin" && ok "tftp-hpa static file during the flood" ||
    bad "tftp-hpa static file during the flood"
head -c 8 "$T/during.http" 2>/dev/null | grep -q Salted__ && ok "curl profile during the flood" ||
    bad "curl profile during the flood"
read -r sent2 served2 secs2 < <(sed -n 's/sent=\([0-9]*\) served=\([0-9]*\) errors=[0-9]* seconds=\([0-9.]*\)/\1 \2 \3/p' "$T/f2")
cap2=$(python3 -c "import math;print(2*$RATE + math.ceil($RATE*$secs2) + 1)")
[ "${served2:-99999}" -le "$cap2" ] && ok "long flood: $served2 of $sent2 served (cap $cap2)" ||
    bad "long flood: served=$served2 cap=$cap2"

$CLI --data "$D" events --kind security > "$T/sec"
has "$T/sec" "tftp refused from 127.0.0.2: request rate limit exceeded" &&
    ok "security event for the flood" || bad "no security event: $(tail -3 "$T/sec")"
has "$T/log" "tftp security 127.0.0.2: request rate limit exceeded" &&
    ok "log line for the flood" || bad "no log line for the flood"
kill -0 $PROVD_PID 2>/dev/null && ok "spaprovd still running" || fail "spaprovd died"
stop_spaprovd || fail "spaprovd ignored SIGTERM"
[ "$PROVD_RC" = 0 ] && ok "SIGTERM exit 0" || bad "exit status $PROVD_RC"
[ $FAILS = 0 ] || fail "$FAILS failures"
echo "all ok"
