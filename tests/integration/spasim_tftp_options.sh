#!/usr/bin/env bash
# spasim_tftp_options.sh — the device's TFTP client asking for RFC 2347
# options (--tftp-options): against tftpd-hpa (blksize 2348, tsize 2349,
# timeout 2349) and against spaprovd (windowsize 7440, which Debian's
# tftpd-hpa lacks), each through a recording relay (tests/tools/spa_relay)
# so the test sees the options in the RRQ and the server's OACK on the
# wire, and the unit ends with the served profile. A bad list is refused.
# Loopback only; every process is bounded in time and killed at exit.
. "$(dirname "$0")/lib/assert.sh"
. "$(dirname "$0")/lib/peers.sh"
TOOLS=${SPA_TOOLS:-${SPA_BUILD:-.}/tests/tools}
need in.tftpd python3 spaprovd
[ -x "$TOOLS/spa_relay" ] || { echo "skip: need spa_relay"; exit 77; }
need_spasim
peers_init tftpopts
# relay UPSTREAM_PORT CAPTURE: start a UDP relay, print its port
relay() {
    "$TOOLS/spa_relay" udp 127.0.0.1 "$1" "$2" 60 >"$2.port" 2>>"$T/relay.err" &
    PIDS+=($!)
    port_line "$2.port"
}
MAC=000e08aabbcc
# a 20 KB profile, so that blksize and windowsize matter
profile() {
    { printf '<flat-profile>\n<GPP_D>%s</GPP_D>\n' "$1"
      for i in $(seq 400); do printf '<!-- filler line %04d of the profile ............ -->\n' "$i"; done
      printf '</flat-profile>\n'; } >"$2"
}
once() { # name relay-port extra-args...
    local name=$1 port=$2
    shift 2
    timeout 60 "$SIM" --model SPA2102 --mac $MAC --serial 88012BA01234 --state "$T/$name" \
        --once --timeout 40 --tftp-timeout 300 --dhcp-tftp "127.0.0.1:$port" "$@" \
        >"$T/$name.json" 2>"$T/$name.err"
}
# wire_has CAPTURE TEXT: the capture holds TEXT with NULs written as '|'
wire_has() { tr '\0' '|' <"$1" | grep -qF -- "$2"; }

# --- tftpd-hpa: blksize, tsize, timeout ---------------------------------------------
mkdir -p "$T/root"
profile from-tftpd "$T/root/spa$MAC.cfg"
P=$(pick_port udp)
start_tftpd "127.0.0.1:$P" "$T/root" --secure || { echo "FAIL - tftpd-hpa did not start"; exit 1; }
relay "$P" "$T/hpa.cap" >"$T/r1"; R=$(cat "$T/r1")
mkdir -p "$T/hpa" && printf '<flat-profile><Profile_Rule>/spa$MA.cfg</Profile_Rule></flat-profile>\n' >"$T/hpa/config.xml"
once hpa "$R" --tftp-options blksize=1428,tsize,timeout=2
check "tftpd-hpa: resync ok with options" has "$T/hpa.json" '"result":"ok"'
check "… the profile arrived" has "$T/hpa/config.xml" 'from-tftpd'
check "… the RRQ asked for blksize 1428, tsize and timeout 2" \
    wire_has "$T/hpa.cap" "spa$MAC.cfg|octet|blksize|1428|tsize|0|timeout|2|"
check "… tftpd-hpa answered with an OACK granting blksize 1428" wire_has "$T/hpa.cap" "blksize|1428|"
size=$(stat -c %s "$T/root/spa$MAC.cfg")
check "… and the file's size as tsize" wire_has "$T/hpa.cap" "tsize|$size|"

# --- spaprovd: windowsize -------------------------------------------------------------
D=$T/data
read -r HP SP TP YP < <(pick_ports tcp tcp udp udp)
mkdir -p "$D/files"
profile from-spaprovd "$D/files/static.cfg"
printf 'HTTP_Port "%s"; HTTPS_Port "%s"; TFTP_Port "%s"; Syslog_Port "%s";\n' "$HP" "$SP" "$TP" "$YP" >"$T/conf"
start_spaprovd "$T/conf" "$D" "$HP" "$T/provd.log" || { echo "FAIL - spaprovd did not start"; exit 1; }
relay "$TP" "$T/prov.cap" >"$T/r2"; R2=$(cat "$T/r2")
mkdir -p "$T/win" && printf '<flat-profile><Profile_Rule>/static.cfg</Profile_Rule></flat-profile>\n' >"$T/win/config.xml"
once win "$R2" --tftp-options blksize=1024,windowsize=4
check "spaprovd: resync ok with windowsize" has "$T/win.json" '"result":"ok"'
check "… the profile arrived" has "$T/win/config.xml" 'from-spaprovd'
check "… the RRQ asked for windowsize 4" wire_has "$T/prov.cap" "static.cfg|octet|blksize|1024|windowsize|4|"
check "… the OACK granted windowsize 4 (the option twice on the wire)" \
    bash -c "[ \$(tr '\\0' '|' <'$T/prov.cap' | grep -oF 'windowsize|4|' | wc -l) -ge 2 ]"

# --- bad lists are refused before anything starts -----------------------------------
for bad in blksize=7 blksize=99999 windowsize=0 timeout=300 foo=1 blksize tsize,tsize; do
    "$SIM" --model SPA2102 --mac $MAC --serial X --state "$T/bad" --once --tftp-options "$bad" \
        >/dev/null 2>"$T/bad.err"
    rc=$?
    check "--tftp-options $bad: usage error (exit 2) with a reason" \
        bash -c "[ $rc = 2 ] && grep -q 'spasim: --tftp-options: ' '$T/bad.err'"
done
check "… and no state written" bash -c "[ ! -e '$T/bad/config.xml' ]"
[ "$FAILS" -eq 0 ] || { echo "$FAILS check(s) failed"; cat "$T"/*.err "$T/provd.log" 2>/dev/null | tail -30; exit 1; }
