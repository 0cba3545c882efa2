# spaprovd over TFTP with the tftp-hpa and atftp clients (a per-device
# profile that decrypts to `spaprov render --decoded`, a static file,
# traversal refused with a security event, unknown device refused), and its
# syslog collector fed by logger(1): lines become events of the MAC they
# name. 127.0.0.1 only; every wait is bounded.
set -u
command -v python3 >/dev/null && command -v openssl >/dev/null || exit 77
HAVE_HPA=0; HAVE_ATFTP=0
tftp -V 2>&1 | grep -qi 'tftp-hpa' && HAVE_HPA=1
command -v atftp >/dev/null && HAVE_ATFTP=1
command -v logger >/dev/null || exit 77
[ $HAVE_HPA = 1 ] || [ $HAVE_ATFTP = 1 ] || exit 77
CLI=$SPA_BUILD/spaprov
. "$(dirname "$0")/lib/peers.sh"
peers_init spaprovd-tftp-syslog
. "$(dirname "$0")/lib/assert.sh"
fail() { echo "FAIL: $*"; [ -f "$T/log" ] && sed 's/^/  log: /' "$T/log"; exit 1; }

read -r HP TP YP < <(pick_ports tcp udp udp)

cat > "$T/conf" <<EOF
HTTP_Port "$HP"; HTTPS_Port "0"; TFTP_Port "$TP"; Syslog_Port "$YP";
TFTP_Upload_Max "4096";
EOF
D="$T/data"
MAC=000e08ccdd01
$CLI --data "$D" device add $MAC SPA3102 --serial SNC001 || fail "device add"
$CLI --data "$D" param set --scope model --target SPA3102 Resync_Periodic 7200 || fail "param"
mkdir -p "$D/files"
head -c 70000 /dev/urandom > "$D/files/fw.bin"
KEY=$($CLI --data "$D" device show $MAC --secrets)
$CLI --data "$D" render $MAC --decoded > "$T/want.xml" || fail "render"

start_spaprovd "$T/conf" "$D" "$HP" || fail "spaprovd did not start"

check_profile() { # file client
    head -c 8 "$1" | grep -q '^Salted__' || fail "$2: profile not encrypted"
    openssl enc -d -aes-256-cbc -md md5 -k "$KEY" -in "$1" 2>/dev/null | gunzip | cmp -s - "$T/want.xml" ||
        fail "$2: profile differs from render --decoded"
}

cd "$T" || exit 1
if [ $HAVE_HPA = 1 ]; then
    rm -f hpa.cfg fw.hpa
    timeout 20 tftp -m binary 127.0.0.1 "$TP" -c get spa$MAC.cfg hpa.cfg || fail "tftp-hpa get"
    check_profile hpa.cfg tftp-hpa
    timeout 20 tftp -m binary 127.0.0.1 "$TP" -c get /fw.bin fw.hpa || fail "tftp-hpa static"
    cmp -s fw.hpa "$D/files/fw.bin" || fail "tftp-hpa static bytes"
    out=$(timeout 20 tftp -m binary 127.0.0.1 "$TP" -c get ../conf trav.hpa 2>&1)
    echo "$out" | grep -qi 'error' || fail "tftp-hpa traversal not refused: $out"
    [ -s trav.hpa ] && fail "tftp-hpa traversal leaked"
    # WRQ: a small report is stored (file and event); oversize and
    # sub-folders are refused.
    printf '<report mac="000e08ccdd01"/>' > rep.xml
    timeout 20 tftp -m binary 127.0.0.1 "$TP" -c put rep.xml spa$MAC-report.xml ||
        fail "tftp-hpa put"
    for _ in $(seq 30); do [ -f "$D/reports/spa$MAC-report.xml" ] && break; sleep 0.1; done
    cmp -s rep.xml "$D/reports/spa$MAC-report.xml" || fail "uploaded report not saved"
    $CLI --data "$D" events --mac $MAC --kind report |
        grep -q "upload spa$MAC-report.xml from 127.0.0.1, $(wc -c < rep.xml) bytes" || fail "no report event"
    head -c 5000 /dev/urandom > big.bin
    out=$(timeout 20 tftp -m binary 127.0.0.1 "$TP" -c put big.bin big.bin 2>&1)
    echo "$out" | grep -qi 'error' || fail "oversize upload accepted: $out"
    [ -e "$D/reports/big.bin" ] && fail "oversize upload saved"
    out=$(timeout 20 tftp -m binary 127.0.0.1 "$TP" -c put rep.xml sub/rep.xml 2>&1)
    echo "$out" | grep -qi 'error' || fail "upload into a sub-folder accepted: $out"
fi
if [ $HAVE_ATFTP = 1 ]; then
    rm -f at.cfg fw.at
    timeout 20 atftp --option "blksize 1024" --option "tsize 0" -g -r spa${MAC^^}.cfg -l at.cfg \
        127.0.0.1 "$TP" 2>/dev/null || fail "atftp get"
    check_profile at.cfg atftp
    timeout 20 atftp --option "blksize 1428" -g -r fw.bin -l fw.at 127.0.0.1 "$TP" 2>/dev/null ||
        fail "atftp static"
    cmp -s fw.at "$D/files/fw.bin" || fail "atftp static bytes"
    timeout 20 atftp -g -r ../../etc/passwd -l trav.at 127.0.0.1 "$TP" >/dev/null 2>&1 &&
        fail "atftp traversal not refused"
    timeout 20 atftp -g -r spa000e08ffffff.cfg -l unk.at 127.0.0.1 "$TP" >/dev/null 2>&1 &&
        fail "unknown device served over tftp"
fi
# events are written behind: a TFTP error can reach the client just before
# its event is stored, so wait a bounded time for them
sec_ev() { $CLI --data "$D" events --kind security | grep -q "tftp refused from 127.0.0.1: RRQ '\.\./"; }
res_ev() { $CLI --data "$D" events --mac $MAC --kind result | grep -q '200 profile'; }
eventually 5 sec_ev || fail "no security event for tftp traversal"
eventually 5 res_ev || fail "no result event for the tftp profile"

# Syslog: two devices' lines, RFC 3164 and 5424, plus one unattributed.
logger -n 127.0.0.1 -P "$YP" -d --rfc3164 -t spa "SPA3102 000E08CCDD01 -- Requesting resync" ||
    fail "logger 3164"
logger -n 127.0.0.1 -P "$YP" -d --rfc5424 -t spa "[00:0e:08:cc:dd:02]-- Successful Resync" ||
    fail "logger 5424"
logger -n 127.0.0.1 -P "$YP" -d -t spa "no mac in this one" || fail "logger plain"
ok=0
for _ in $(seq 50); do
    $CLI --data "$D" events --kind syslog | grep -q 'no mac in this one' && ok=1 && break
    sleep 0.1
done
[ $ok = 1 ] || fail "syslog lines not stored"
$CLI --data "$D" events --mac $MAC --kind syslog | grep -q 'Requesting resync' ||
    fail "3164 line not attributed"
$CLI --data "$D" events --mac 000e08ccdd02 --kind syslog | grep -q 'Successful Resync' ||
    fail "5424 line not attributed"
$CLI --data "$D" events --mac 000e08ccdd02 --kind syslog | grep -q 'Requesting' &&
    fail "line attributed to the wrong device"

stop_spaprovd || fail "spaprovd ignored SIGTERM"
[ "$PROVD_RC" = 0 ] || fail "SIGTERM exit status $PROVD_RC"
echo ok
