# flow8_reset.sh — issue 7, flow 8: manufacturing reset.
#
# A unit provisioned by flows 1 and 3 (bootstrap over TFTP, SEC-PRV-1 over
# HTTPS, SEC-PRV-2 over HTTP) runs as a long-lived spasim; `spasim ctl DIR
# dial '****RESET#1#'` returns it to factory defaults (Profile_Rule
# /spa$PSN.cfg, no key, no account data). It then re-enters flow 1 (the
# bootstrap over TFTP from DHCP option 66) and, being a SEC-PRV device
# already known to spaprovd, is re-keyed by SEC-PRV-1 (a fresh key and
# folder; the old ones stop working once it resyncs at the new folder).
# Resyncs are started through /admin/resync; --seed 19753 draws power-up
# delays of 36 s or more, so no power-up resync runs in between.
set -u
. "$(dirname "$0")/lib/flows.sh"
flows_init
tls_dev
PW='R3set-pass-0042'
RULE="https://prov.test:$SP/spa\$MA.cfg"
conf 'Secure_Provisioning "yes";' "Secure_URL \"http://127.0.0.1:$RH\";" "Bootstrap_Rule \"$RULE\";"
$CLI --data "$D" device add $MAC SPA2102 --serial $SN &&
    $CLI --data "$D" param set --scope device --target $MAC User_ID_1_ 5558001 &&
    $CLI --data "$D" param set --scope device --target $MAC Password_1_ "$PW" ||
    { echo "FAIL - setup"; exit 1; }
start_provd
S="$T/unit"
sim boot "$S" --dhcp-tftp "127.0.0.1:$RT" "${TLSDEV[@]}" && sim first "$S" "${TLSDEV[@]}" &&
    sim second "$S" "${TLSDEV[@]}"
check "provisioned through flows 1 and 3" bash -c "grep -q '\"result\":\"ok\"' '$T/second.json'"
K0=$(key_of); P0=$(path_of)
check "the unit has its password" has "$S/config.xml" "$PW"

# the unit, running
timeout 150 spasim --model SPA2102 --mac $MAC --serial $SN --state "$S" --http 127.0.0.1:0 \
    --seed 19753 --dhcp-tftp "127.0.0.1:$RT" --hosts "$T/hosts" --ca "$D/ca/server-ca.crt" \
    --syslog "127.0.0.1:$RY" "${TLSDEV[@]}" >"$T/run.out" 2>"$T/run.err" &
SIMPID=$!
PIDS+=($SIMPID)
AP=$(port_line "$T/run.out") || die "spasim did not start"
status() { curl -s "http://127.0.0.1:$AP/admin/status"; }
field() { status | python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
live_cfg() { curl -s -o "$1" "http://127.0.0.1:$AP/admin/spacfg.xml"; }
resync() { # explicit resync, waited for (bounded)
    local n
    n=$(field resyncs)
    curl -s -o /dev/null "http://127.0.0.1:$AP/admin/resync"
    for _ in $(seq 300); do
        [ "$(field resyncs)" -gt "$n" ] && [ "$(field phase)" = idle ] && return 0
        sleep 0.1
    done
    return 1
}
live_cfg "$T/l0.xml"
check "running unit holds K0" [ "$(val "$T/l0.xml" GPP_A)" = "$K0" ]

# 1. manufacturing reset from the keypad
spasim ctl "$S" dial '****RESET#1#' >"$T/ctl.out" 2>&1
check "ctl dial ****RESET#1#: ok" grep -q '^ok' "$T/ctl.out"
sleep 0.3
live_cfg "$T/l1.xml"
check "factory Profile_Rule /spa\$PSN.cfg" [ "$(val "$T/l1.xml" Profile_Rule)" = "/spa\$PSN.cfg" ]
check "no key (GPP_A empty)" [ "$(val "$T/l1.xml" GPP_A)" = "" ]
check "no folder (GPP_B empty)" [ "$(val "$T/l1.xml" GPP_B)" = "" ]
check "no account data" [ "$(val "$T/l1.xml" User_ID_1_)" = "" ]
check "password gone from the flash" bash -c "! grep -qF '$PW' '$S/config.xml'"

# 2. flow 1 again: the bootstrap over TFTP
check "resync after reset" resync
live_cfg "$T/l2.xml"
check "bootstrap again: Profile_Rule → the HTTPS server" [ "$(val "$T/l2.xml" Profile_Rule)" = "$RULE" ]

# 3. SEC-PRV-1 again: re-keyed
check "resync over HTTPS" resync
K1=$(key_of); P1=$(path_of)
live_cfg "$T/l3.xml"
check "re-keyed: a fresh key" [ "$K1" != "$K0" -a ${#K1} = 64 ]
check "re-keyed: a fresh folder" [ "$P1" != "$P0" ]
check "the unit holds the fresh key and folder" \
    [ "$(val "$T/l3.xml" GPP_A)/$(val "$T/l3.xml" GPP_B)" = "$K1/$P1" ]
check "event: SEC-PRV-1 again: re-keyed" has_event "SEC-PRV-1 again: re-keyed (key generation 1)"
check "state bootstrap" [ "$(state_of)" = bootstrap ]

# 4. SEC-PRV-2 at the new folder: provisioned again, old folder retired
check "resync at the new folder" resync
live_cfg "$T/l4.xml"
check "account data back" [ "$(val "$T/l4.xml" User_ID_1_)" = 5558001 ]
check "password back in the flash" has "$S/config.xml" "<Password_1_ ua=\"na\">$PW</Password_1_>"
check "state provisioned" [ "$(state_of)" = provisioned ]
check "event: old key retired" has_event "key rotation confirmed (key generation 1)"
check "the old folder answers 404" \
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HP/$P0/spa2102.cfg")" = 404 ]
check "the unit's last attempt succeeded" [ "$(field err)" = "" ]

kill -TERM $SIMPID 2>/dev/null
wait $SIMPID 2>/dev/null
CAPS=("$T/http.cap" "$T/tftp.cap" "$T/syslog.cap")
no_secret "the old key" "$K0" "${CAPS[@]}"
no_secret "the new key" "$K1" "${CAPS[@]}"
no_secret "the SIP password" "$PW" "${CAPS[@]}"
flows_end
