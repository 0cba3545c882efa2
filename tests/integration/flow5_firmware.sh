# flow5_firmware.sh — issue 7, flow 5 (firmware), end to end on loopback:
# three images made with `spc --firmware` (5.1.11, 5.1.12, 5.1.13) are staged
# with `spaprov firmware add`; the SPA2102 target is 5.1.13 with 5.1.12 as a
# required intermediate. spasim (factory 5.1.10, syslog to spaprovd's
# collector) resyncs, upgrades to 5.1.12, resyncs, upgrades to 5.1.13 and
# stops there (swver in /admin/status). Asserts: the Upgrade_Rule the unit
# holds (/admin/spacfg.xml), spaprovd's two `upgrade` events and the
# device's firmware-seen field; a group target below the group's
# Downgrade_Rev_Limit generates no rule and the unit never asks for that
# image; the image over HTTPS is refused (403) while TFTP serves it; and what
# an eavesdropper sees: the profile over HTTP is ciphertext (the key and the
# rule never in clear), only the public image travels in clear.
set -u
. "$(dirname "$0")/lib/assert.sh"
command -v python3 >/dev/null && command -v curl >/dev/null || exit 77
CLI=${SPA_BUILD:-.}/spaprov
[ -x "$CLI" ] || CLI=$(command -v spaprov) || exit 77
for p in spasim spaprovd spc; do command -v $p >/dev/null || exit 77; done
. "$(dirname "$0")/lib/peers.sh"
peers_init flow5
dump() { for f in "$T"/*.log "$T"/*.err; do [ -f "$f" ] && sed "s|^|  $(basename "$f"): |" "$f"; done; }

read -r HP SP TP YP AP < <(pick_ports tcp tcp udp udp tcp)
printf 'HTTP_Port "%s"; HTTPS_Port "%s";\nTFTP_Port "%s"; Syslog_Port "%s";\n' \
    "$HP" "$SP" "$TP" "$YP" >"$T/conf"
D="$T/data"
S() { $CLI --config "$T/conf" --data "$D" "$@"; }

# ---- images and targets --------------------------------------------------------
head -c 3000 /dev/urandom >"$T/payload"
for v in 5.1.11 5.1.12 5.1.13; do
    spc --firmware $v --model SPA2102 "$T/payload" "$T/spa2102-$v.bin" 2>>"$T/spc.err" ||
        bad "spc --firmware $v"
    check "firmware add $v (model and version read from the image)" \
        sh -c "'$CLI' --config '$T/conf' --data '$D' firmware add '$T/spa2102-$v.bin' | grep -qx 'added $v'"
done
check "staged under the static root" cmp -s "$T/spa2102-5.1.12.bin" "$D/files/fw/SPA2102/5.1.12.bin"
check "a foreign image needs --model and --version" \
    sh -c "! '$CLI' --data '$D' firmware add '$T/payload' 2>'$T/e1.err' && grep -q 'give --model and --version' '$T/e1.err'"
check "a target needs recorded images" \
    sh -c "! '$CLI' --data '$D' firmware target SPA2102 9.9.9 2>'$T/e2.err' && grep -q 'no SPA2102 image 9.9.9' '$T/e2.err'"
check "intermediates must be below the target" \
    sh -c "! '$CLI' --data '$D' firmware target SPA2102 5.1.12 --via 5.1.13 2>'$T/e3.err' && grep -q 'not below the target' '$T/e3.err'"
check "firmware target SPA2102 5.1.13 --via 5.1.12" S firmware target SPA2102 5.1.13 --via 5.1.12
check "a targeted image cannot be removed" \
    sh -c "! '$CLI' --data '$D' firmware rm SPA2102 5.1.12 2>/dev/null"

MAC=000e08f50001
MAC2=000e08f50002
S device add $MAC SPA2102 --serial F5A0001 || bad "device add"
S group add legacy >/dev/null || bad "group add"
S device add $MAC2 SPA2102 --serial F5A0002 --group legacy || bad "device add 2"
S param set --scope group --target legacy Downgrade_Rev_Limit 5.1.12 || bad "limit"
check "group target below its Downgrade_Rev_Limit accepted (the limit is per device)" \
    S firmware target SPA2102 5.1.11 --group legacy
KEY=$(S device show $MAC --secrets)
KEY2=$(S device show $MAC2 --secrets)
S render $MAC --decoded >"$T/render1.xml" 2>"$T/render1.err"
RULE="( \$SWVER lt 5.1.12 )? http://127.0.0.1:$HP/fw/SPA2102/5.1.12.bin | ( \$SWVER ne 5.1.13 )? http://127.0.0.1:$HP/fw/SPA2102/5.1.13.bin"
check "rendered Upgrade_Rule steps through the intermediate" has "$T/render1.xml" "<Upgrade_Rule>$RULE</Upgrade_Rule>"
S render $MAC2 --decoded >"$T/render2.xml" 2>"$T/render2.err"
check "no rule below Downgrade_Rev_Limit" sh -c "! grep -q Upgrade_Rule '$T/render2.xml'"
check "the skipped step is reported" has "$T/render2.err" "firmware 5.1.11 is below Downgrade_Rev_Limit 5.1.12"

# ---- server ------------------------------------------------------------------------
start_spaprovd "$T/conf" "$D" "$HP" "$T/spaprovd.log" || bad "spaprovd did not start"

# ---- the unit: two upgrades ----------------------------------------------------------
ST="$T/st1"
mkdir -p "$ST" && chmod 700 "$ST"
# The unit's profile fetches pass a recording relay (the eavesdropper).
RELAY=${SPA_TOOLS:-${SPA_BUILD:-.}/tests/tools}/spa_relay
"$RELAY" tcp 127.0.0.1 "$HP" "$T/wire.cap" 120 >"$T/relay.out" 2>"$T/relay.err" &
PIDS+=($!)
RP=$(port_line "$T/relay.out") || bad "the relay did not start"
printf '<flat-profile><Profile_Rule>[--key %s]http://127.0.0.1:%s/spa$MA.cfg</Profile_Rule><Resync_Random_Delay>0</Resync_Random_Delay></flat-profile>\n' \
    "$KEY" "$RP" >"$ST/config.xml"
spasim --model SPA2102 --mac $MAC --serial F5A0001 --state "$ST" --syslog "127.0.0.1:$YP" \
    --http "127.0.0.1:$AP" >"$T/sim1.log" 2>"$T/sim1.err" &
SIM=$!
PIDS+=("$SIM")
sw=
for _ in $(seq 300); do
    sw=$(curl -s "http://127.0.0.1:$AP/admin/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["swver"])' 2>/dev/null)
    [ "$sw" = 5.1.13 ] && break
    sleep 0.1
done
check "the unit ends on the target (swver 5.1.13 in /admin/status)" [ "$sw" = 5.1.13 ]
curl -s "http://127.0.0.1:$AP/admin/spacfg.xml" >"$T/spacfg.xml"
check "the unit holds the generated Upgrade_Rule" has "$T/spacfg.xml" "$RULE"
curl -s "http://127.0.0.1:$AP/admin/status" >"$T/status.json"
check "two upgrades, none failed" python3 -c '
import json,sys; s=json.load(open(sys.argv[1]))
sys.exit(0 if s["total"]["upgrade_ok"]==2 and s["total"]["upgrade_fail"]==0 else 1)' "$T/status.json"
kill -TERM $SIM 2>/dev/null; wait $SIM 2>/dev/null

ev() { S events --mac "$1" --json >"$T/ev.json" 2>/dev/null; }
has_ev() { python3 -c '
import json,sys
ev=json.load(open(sys.argv[1]))
sys.exit(0 if any(eval(sys.argv[2], {}, {"e": e}) for e in ev) else 1)' "$T/ev.json" "$1"; }
got=0
for _ in $(seq 30); do   # syslog is UDP: let the collector catch up
    ev $MAC && has_ev "e['kind']=='upgrade' and e['text']=='success 5.1.13 from http://127.0.0.1:$HP/fw/SPA2102/5.1.13.bin'" && got=1 && break
    sleep 0.1
done
check "upgrade event: 5.1.13 installed" [ $got = 1 ]
check "upgrade event: 5.1.12 installed" has_ev "e['kind']=='upgrade' and e['text'].startswith('success 5.1.12 from http://127.0.0.1:$HP/fw/SPA2102/5.1.12.bin')"
check "5.1.11 never fetched by the first unit" sh -c "! grep -q '5.1.11.bin' '$T/ev.json'"
S events --kind request --json >"$T/ev.json"   # image requests name no MAC: unattributed
check "image requests over http" has_ev "e['kind']=='request' and e['text'].startswith('http GET /fw/SPA2102/5.1.12.bin')"
S device show $MAC >"$T/show.txt"
check "device show: firmware seen 5.1.13" grep -q '^firmware seen 5.1.13$' "$T/show.txt"
check "device show: the upgrade results" sh -c "grep -c '^upgrade .* success 5.1.1[23] from' '$T/show.txt' | grep -qx 2"

# ---- downgrade below the limit: not attempted ------------------------------------------
ST2="$T/st2"
mkdir -p "$ST2" && chmod 700 "$ST2"
printf '<flat-profile><Profile_Rule>[--key %s]http://127.0.0.1:%s/spa$MA.cfg</Profile_Rule><Resync_Random_Delay>0</Resync_Random_Delay></flat-profile>\n' \
    "$KEY2" "$HP" >"$ST2/config.xml"
printf 'swver=5.1.13\n' >"$ST2/device.state"
timeout 60 spasim --model SPA2102 --mac $MAC2 --serial F5A0002 --state "$ST2" --once --timeout 30 \
    --syslog "127.0.0.1:$YP" >"$T/sim2.json" 2>"$T/sim2.err"
check "unit below the limit: resync ok, no upgrade, still 5.1.13" python3 -c '
import json,sys; s=json.load(open(sys.argv[1]))
sys.exit(0 if s["result"]=="ok" and s["upgrades"]==0 and s["swver"]=="5.1.13" else 1)' "$T/sim2.json"
S events --json >"$T/ev.json"
check "nobody requested the image below the limit" sh -c "! grep -q 'fw/SPA2102/5.1.11' '$T/ev.json'"

# ---- transports: https refused, tftp and http served -------------------------------------
code=$(curl -sk -o "$T/https.body" -w '%{http_code}' "https://127.0.0.1:$SP/fw/SPA2102/5.1.13.bin")
check "image over https refused with 403" [ "$code" = 403 ]
check "the refusal says why" has "$T/https.body" "firmware is served over http and tftp only"
if command -v tftp >/dev/null; then
    (cd "$T" && timeout 10 tftp 127.0.0.1 "$TP" -m binary -c get fw/SPA2102/5.1.12.bin tftp.bin) >/dev/null 2>&1
    check "image over tftp" cmp -s "$T/tftp.bin" "$T/spa2102-5.1.12.bin"
fi

# ---- what an eavesdropper sees --------------------------------------------------------------
check "the unit's own profile fetches crossed the relay, as ciphertext" \
    sh -c "grep -aq 'GET /spa$MAC.cfg' '$T/wire.cap' && grep -aq Salted__ '$T/wire.cap'"
check "nothing in clear on the unit's wire: no key, no Upgrade_Rule, no profile XML" \
    sh -c "! grep -aq -e '$KEY' -e Upgrade_Rule -e '<flat-profile' '$T/wire.cap'"
curl -s -o "$T/wire.bin" "http://127.0.0.1:$HP/spa$MAC.cfg"
check "profile on the wire is ciphertext" sh -c "head -c 8 '$T/wire.bin' | grep -q Salted__"
check "no Upgrade_Rule or key in clear on the wire" \
    sh -c "! grep -aq -e Upgrade_Rule -e '$KEY' '$T/wire.bin'"
check "the device key never in a log" sh -c "! grep -q -e '$KEY' -e '$KEY2' '$T'/*.log '$T'/*.err '$T/ev.json'"

[ $FAILS = 0 ] || { dump; echo "$FAILS failed"; exit 1; }
echo "all ok"
