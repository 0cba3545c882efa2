#!/bin/bash
# tftp_peers.sh — the TFTP and syslog modules against real peers on
# 127.0.0.1: our client downloads from (and uploads to) tftpd-hpa's in.tftpd;
# the tftp-hpa and atftp clients download from and upload to our server core
# (tests/tools/spa_nettool.c); traversal, oversize uploads, malformed packets
# and a request flood are refused; util-linux logger lines and our own syslog
# lines reach our receiver and are attributed to the MAC they carry.
# Every process started here has a time limit and is killed at exit.
# Needs: tftpd-hpa tftp-hpa atftp bsdutils(logger) iproute2(ss); skipped (77)
# when they cannot be installed.
set -u

SRC=${SPA_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${SPA_BUILD:-$SRC/build}
. "$(dirname "$0")/lib/assert.sh"
. "$(dirname "$0")/lib/peers.sh"
peers_init tftp-peers

# ---- prerequisites --------------------------------------------------------
missing() { for c in in.tftpd tftp atftp logger ss; do command -v "$c" >/dev/null 2>&1 || return 0; done; return 1; }
if missing && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "# installing tftpd-hpa tftp-hpa atftp"
    for attempt in 1 2; do
        DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -q tftpd-hpa tftp-hpa \
            atftp bsdutils iproute2 >"$T/apt.log" 2>&1 && break
        [ "$attempt" = 1 ] && timeout 300 apt-get update -qq >>"$T/apt.log" 2>&1
    done
    missing && tail -5 "$T/apt.log"
fi
if missing; then echo "skip: need in.tftpd, tftp, atftp, logger, ss"; exit 77; fi
if [ ! -f "$BUILD/libspaprov.a" ]; then echo "skip: $BUILD/libspaprov.a not built"; exit 77; fi

# Test helper, built by CMake (tests/tools/spa_nettool.c).
TOOL=${SPA_TOOLS:-$BUILD/tests/tools}/spa_nettool
[ -x "$TOOL" ] || { echo "spa_nettool not built ($TOOL)"; exit 1; }

# Start "$@" in the background with its stdout in $1.out; wait for its
# "port N" line and leave N in PORT (0 if it never came).
start_tool() {
    local name=$1; shift
    "$@" >"$T/$name.out" 2>"$T/$name.err" &
    PIDS+=($!)
    PORT=$(port_line "$T/$name.out") || PORT=0
}

# ---- data -----------------------------------------------------------------
ROOT=$T/root
mkdir -p "$ROOT/profiles" "$ROOT/upload" "$T/up" "$T/dl"
head -c 100000 /dev/urandom >"$ROOT/f.bin"
head -c $((1468 * 3)) /dev/urandom >"$ROOT/exact.bin"
: >"$ROOT/empty.bin"
head -c $((33 * 1024 * 1024 + 777)) /dev/urandom >"$ROOT/big.bin"  # > 65535 blocks of 512
printf 'line one\nline two\r\nbare\rcr\n' >"$ROOT/text.txt"
printf '<flat-profile><Resync_Periodic>3600</Resync_Periodic></flat-profile>\n' \
    >"$ROOT/profiles/000e08aabbcc.xml"
head -c 3000 /dev/urandom >"$T/up.bin"
head -c 200000 /dev/urandom >"$T/toobig.bin"
chmod -R a+rX "$ROOT"
chmod 777 "$ROOT/upload"
G() { timeout 60 "$TOOL" get 127.0.0.1 "$@"; }
P() { timeout 60 "$TOOL" put 127.0.0.1 "$@"; }

# ---- 1. our client against tftpd-hpa ---------------------------------------
# in.tftpd --secure chroots, which needs root; without it this part is skipped.
if [ "$(id -u)" != 0 ]; then
    echo "# not root: tftpd-hpa part skipped"
else
TP=$(pick_port udp)
start_tftpd "127.0.0.1:$TP" "$ROOT" --secure --create --blocksize 1468 --user nobody ||
    bad "in.tftpd did not start"
echo "# tftpd-hpa on 127.0.0.1:$TP"

G "$TP" f.bin "$T/dl/a" >"$T/g1" 2>&1
check "client get from tftpd-hpa, no options" cmp -s "$T/dl/a" "$ROOT/f.bin"
G "$TP" /f.bin "$T/dl/b" -b 1468 -t -T 2 -W 8 >"$T/g2" 2>&1
check "client get from tftpd-hpa, blksize+tsize+timeout+windowsize" cmp -s "$T/dl/b" "$ROOT/f.bin"
check "tftpd-hpa granted blksize 1468, tsize 100000, timeout 2" has "$T/g2" "blksize=1468 tsize=100000 timeout=2"
# tftpd-hpa 5.2 (Debian 12) has no windowsize: it must be left out of the
# OACK and the transfer falls back to lock-step; newer versions grant it.
if has "$T/g2" "windowsize="; then
    check "tftpd-hpa granted windowsize 8" has "$T/g2" "windowsize=8"
else
    ok "tftpd-hpa ignored windowsize (lock-step transfer)"
fi
G "$TP" f.bin "$T/dl/c" -b 65464 -t >"$T/g3" 2>&1
check "blksize 65464 capped by tftpd-hpa --blocksize 1468" has "$T/g3" "blksize=1468 tsize=100000"
check "capped transfer intact" cmp -s "$T/dl/c" "$ROOT/f.bin"
G "$TP" exact.bin "$T/dl/d" -b 1468 >"$T/g4" 2>&1
check "file of exactly 3 blocks (final empty DATA)" cmp -s "$T/dl/d" "$ROOT/exact.bin"
G "$TP" empty.bin "$T/dl/e" -t >"$T/g5" 2>&1
check "empty file" cmp -s "$T/dl/e" "$ROOT/empty.bin"
G "$TP" profiles/000e08aabbcc.xml "$T/dl/f" -b 8 >"$T/g6" 2>&1
check "blksize 8 (minimum)" cmp -s "$T/dl/f" "$ROOT/profiles/000e08aabbcc.xml"
G "$TP" nofile "$T/dl/g" >"$T/g7" 2>&1
check "missing file: ERROR 1 from tftpd-hpa" has "$T/g7" "error code=1 peer=1"
G "$TP" text.txt "$T/dl/h" -a -t -n >"$T/g8" 2>&1
check "netascii+tsize refused by tftpd-hpa with ERROR 8" has "$T/g8" "error code=8 peer=1"
G "$TP" text.txt "$T/dl/h" -a -t >"$T/g9" 2>&1
check "after ERROR 8 the client retries without options" cmp -s "$T/dl/h" "$ROOT/text.txt"
P "$TP" upload/report.bin "$T/up.bin" -b 1024 -t >"$T/p1" 2>&1
check "client put (WRQ) to tftpd-hpa --create" cmp -s "$ROOT/upload/report.bin" "$T/up.bin"
fi

# ---- 2. real clients against our server ------------------------------------
start_tool srv timeout 150 "$TOOL" serve "$ROOT" 0 140 -w "$T/up" -m 100000
SP=$PORT
[ "$SP" != 0 ] || { bad "our server started"; exit 1; }
echo "# our server on 127.0.0.1:$SP"
cd "$T/dl" || exit 1

timeout 60 tftp -m binary 127.0.0.1 "$SP" -c get f.bin hpa1 >"$T/h1" 2>&1
check "tftp-hpa get from our server" cmp -s hpa1 "$ROOT/f.bin"
timeout 60 tftp -m binary 127.0.0.1 "$SP" -c get /profiles/000e08aabbcc.xml hpa2 >"$T/h2" 2>&1
check "tftp-hpa get with leading /" cmp -s hpa2 "$ROOT/profiles/000e08aabbcc.xml"
timeout 60 tftp -m ascii 127.0.0.1 "$SP" -c get text.txt hpa3 >"$T/h3" 2>&1
check "tftp-hpa netascii get" cmp -s hpa3 "$ROOT/text.txt"
timeout 90 tftp -m binary 127.0.0.1 "$SP" -c get big.bin hpa4 >"$T/h4" 2>&1
check "tftp-hpa 33 MiB get, block numbers roll over" cmp -s hpa4 "$ROOT/big.bin"
timeout 60 tftp -m binary 127.0.0.1 "$SP" -c get ../../etc/passwd hpa5 >"$T/h5" 2>&1
check "tftp-hpa traversal gets ERROR 2" has "$T/h5" "Error code 2: access violation: '..' component in file name"
timeout 60 tftp -m binary 127.0.0.1 "$SP" -c get nofile hpa6 >"$T/h6" 2>&1
check "tftp-hpa missing file gets ERROR 1" has "$T/h6" "Error code 1"

AT() { timeout 60 atftp "$@" 127.0.0.1 "$SP"; }
AT --option "blksize 1468" --option "tsize 0" -g -r f.bin -l at1 >"$T/a1" 2>&1
check "atftp get blksize 1468 + tsize" cmp -s at1 "$ROOT/f.bin"
check "server saw blksize 1468 tsize" has "$T/srv.err" "RRQ f.bin blksize=1468 tsize=0"
AT --option "blksize 1468" --option "windowsize 4" -g -r big.bin -l at2 >"$T/a2" 2>&1
check "atftp 33 MiB get, blksize 1468 windowsize 4" cmp -s at2 "$ROOT/big.bin"
AT -g -r big.bin -l at3 >"$T/a3" 2>&1
check "atftp 33 MiB get, blksize 512 rollover" cmp -s at3 "$ROOT/big.bin"
AT --option "blksize 9000" -g -r exact.bin -l at4 >"$T/a4" 2>&1
check "atftp blksize 9000 capped to 1468 by default" cmp -s at4 "$ROOT/exact.bin"
check "server logged the 9000 request" has "$T/srv.err" "RRQ exact.bin blksize=9000"
AT -p -l "$T/up.bin" -r reports/rep.bin >"$T/a5" 2>&1
check "atftp put (WRQ) accepted" cmp -s "$T/up/reports_rep.bin" "$T/up.bin"
AT -p -l "$T/toobig.bin" -r reports/big.bin >"$T/a6" 2>&1
check "atftp oversize put gets ERROR 3" has "$T/a6" "disk full or allocation exceeded: more than 100000 octets"
AT --option "tsize" -p -l "$T/toobig.bin" -r reports/big2.bin >"$T/a7" 2>&1
check "atftp put announcing tsize over the cap refused at once" \
    has "$T/a7" "disk full or allocation exceeded: 200000 octets announced, limit 100000"
check "no oversize file written" test ! -e "$T/up/reports_big.bin" -a ! -e "$T/up/reports_big2.bin"
AT -g -r ../etc/passwd -l at8 >"$T/a8" 2>&1
check "atftp traversal refused" has "$T/a8" "access violation: '..' component in file name"
AT -g -r 'a\..\b' -l at9 >"$T/a9" 2>&1
check "backslash refused" has "$T/a9" "access violation: backslash in file name"
check "security log lines for traversal" has "$T/srv.err" "SECURITY 127.0.0.1: RRQ '../etc/passwd' refused"

# our client against our server: windowed, rollover, upload
G "$SP" big.bin ours1 -b 512 -W 16 -t >"$T/o1" 2>&1
check "our client 33 MiB windowsize 16 from our server" cmp -s ours1 "$ROOT/big.bin"
check "our server granted windowsize 16" has "$T/o1" "blksize=512 tsize=$((33 * 1024 * 1024 + 777)) windowsize=16"
P "$SP" reports/p.bin "$T/up.bin" -b 1468 -t -W 4 >"$T/o2" 2>&1
check "our put to our server" cmp -s "$T/up/reports_p.bin" "$T/up.bin"

# malformed packets get precise errors (raw request bytes in hex)
R() { timeout 10 "$TOOL" raw 127.0.0.1 "$SP" "$1"; }
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
check "RRQ without mode: ERROR 4" test "$(R 00016100)" = "00050004$(hex "RRQ: mode missing or not NUL-terminated")00"
check "blksize 7: ERROR 8" test "$(R "00016100$(hex octet)00$(hex blksize)003700")" = \
    "00050008$(hex "option 'blksize': 7 out of range 8..65464")00"
check "DATA to the server port: ERROR 5" test "$(R 000300016161)" = "00050005$(hex "unknown transfer ID")00"

# single-port mode
start_tool srv1 timeout 60 "$TOOL" serve "$ROOT" 0 50 -s
S1=$PORT
timeout 60 atftp --option "blksize 1468" -g -r f.bin -l sp1 127.0.0.1 "$S1" >"$T/s1" 2>&1
check "single-port mode: atftp get" cmp -s sp1 "$ROOT/f.bin"
timeout 60 tftp -m binary 127.0.0.1 "$S1" -c get exact.bin sp2 >"$T/s2" 2>&1
check "single-port mode: tftp-hpa get" cmp -s sp2 "$ROOT/exact.bin"

# a flood of requests from one source is rate-limited; service continues
start_tool srv2 timeout 60 "$TOOL" serve "$ROOT" 0 50 -r 20
S2=$PORT
timeout 20 "$TOOL" flood 127.0.0.1 "$S2" 1000 >"$T/fl" 2>&1
replies=$(sed -n 's/.*replies=\([0-9]*\).*/\1/p' "$T/fl")
check "flood of 1000 RRQs answered at most ~burst+rate ($replies)" test "${replies:-9999}" -le 100
sleep 1.5
G "$S2" f.bin fl1 >"$T/fl1" 2>&1
check "server still serves after the flood" cmp -s fl1 "$ROOT/f.bin"

# ---- 3. syslog ---------------------------------------------------------------
start_tool sl timeout 30 "$TOOL" syslog-recv 0 4 25 -s
YP=$PORT
echo "# syslog receiver on 127.0.0.1:$YP"
timeout 5 "$TOOL" syslog-send 127.0.0.1 "$YP" 3164 "SPA-2102 000e08aabbcc -- Requesting resync tftp://127.0.0.1:69/spa2102.cfg"
timeout 5 "$TOOL" syslog-send 127.0.0.1 "$YP" 5424 "SPA-2102 000e08aabbcc -- Resync failed: timeout"
timeout 5 logger -n 127.0.0.1 -P "$YP" -d --rfc3164 -t spa -p local0.info \
    "SPA-2102 000E08AABBCD -- Successful resync tftp://127.0.0.1:69/spa2102.cfg"
timeout 5 logger -n 127.0.0.1 -P "$YP" -d --rfc5424 -t spa -p local0.warning \
    "SPA-2102 00:0e:08:aa:bb:ce -- Requesting upgrade http://127.0.0.1/fw.bin"
for _ in $(seq 1 50); do [ "$(grep -c '^fmt=' "$T/sl.out")" -ge 4 ] && break; sleep 0.1; done
L() { grep "$1" "$T/sl.out"; }
check "own 3164 line parsed strictly" has "$T/sl.out" "fmt=3164 pri=134 host=spasim app=spa procid= time=1 mac=000e08aabbcc flags=0 msg=SPA-2102 000e08aabbcc -- Requesting resync"
check "own 5424 line parsed strictly" has "$T/sl.out" "fmt=5424 pri=134 host=spasim app=spa procid= time=1 mac=000e08aabbcc flags=0 msg=SPA-2102 000e08aabbcc -- Resync failed: timeout"
check "logger --rfc3164 line parsed, MAC attributed" test -n "$(L 'fmt=3164 pri=134 .* app=spa .*mac=000e08aabbcd flags=0 msg=SPA-2102 000E08AABBCD -- Successful resync')"
check "logger --rfc5424 line parsed, MAC attributed" test -n "$(L 'fmt=5424 pri=132 .* app=spa .*mac=000e08aabbce flags=0 msg=SPA-2102 00:0e:08:aa:bb:ce -- Requesting upgrade')"

cd / || true
if [ "$FAILS" -ne 0 ]; then
    echo "# $FAILS failure(s); server log:"
    sed 's/^/#   /' "$T/srv.err" | tail -40
    exit 1
fi
echo "# all passed"
exit 0
