# flow1_bootstrap.sh — issue 7, flow 1: automatic in-house preprovisioning.
#
# A factory-default spasim given only DHCP option 66 (--dhcp-tftp) asks
# spaprovd's TFTP server (through a recording relay) for /spa$PSN.cfg and
# gets the generated bootstrap profile (setting Bootstrap_Rule) that points
# Profile_Rule at its per-device URL on the permanent server; the bootstrap
# is the same for every unit and holds nothing secret. Shipped to the
# customer (power cycle, no option 66), the unit resyncs to that URL — HTTPS
# with its own client certificate (HTTPS_Plain) — and gets its full profile.
# Also: without Bootstrap_Rule nothing is generated (404), and a rule using
# a device template is refused at start with file:line:col.
set -u
. "$(dirname "$0")/lib/flows.sh"
flows_init
tls_dev
PW='Fl0w1-pass-5521'
RULE="https://prov.test:$SP/spa\$MA.cfg"
conf 'HTTPS_Plain "yes";' "Bootstrap_Rule \"$RULE\";"
$CLI --data "$D" device add $MAC SPA2102 --serial $SN || { echo "FAIL - device add"; exit 1; }
$CLI --data "$D" param set --scope device --target $MAC User_ID_1_ 5552001 &&
    $CLI --data "$D" param set --scope device --target $MAC Password_1_ "$PW" &&
    $CLI --data "$D" param set --scope global Display_Name_1_ 'Flow One' ||
    { echo "FAIL - params"; exit 1; }
start_provd
S="$T/unit"

# 1. in-house: factory defaults, option 66 → /spa2102.cfg over TFTP
sim boot "$S" --dhcp-tftp "127.0.0.1:$RT" "${TLSDEV[@]}"
check "bootstrap: spasim ok" has "$T/boot.json" '"result":"ok"'
spacfg "$S" "$T/cfg1.xml"
check "bootstrap: Profile_Rule is the per-device URL on the permanent server" \
    [ "$(val "$T/cfg1.xml" Profile_Rule)" = "$RULE" ]
check "bootstrap: nothing else applied yet" [ "$(val "$T/cfg1.xml" User_ID_1_)" = "" ]
check "bootstrap request over TFTP" grep -qaF "spa2102.cfg" "$T/tftp.cap"
check "bootstrap answer seen by the eavesdropper: the rule, in clear" grep -qaF "$RULE" "$T/tftp.cap"
check "bootstrap result event" bash -c "$CLI --data '$D' events --limit 500 | grep -qF '200 bootstrap profile'"
check "device state still new" [ "$(state_of)" = new ]
curl -s -o "$T/b.xml" -w '%{content_type}' "http://127.0.0.1:$HP/spa2102.cfg" >"$T/b.ct"
check "the same bootstrap over HTTP, as text/xml" \
    bash -c "grep -q text/xml '$T/b.ct' && grep -qF '<Profile_Rule>https://prov.test:$SP/spa\$MA.cfg</Profile_Rule>' '$T/b.xml'"
check "bootstrap names no unit (generic, no MAC)" bash -c "! grep -qiF '$MAC' '$T/b.xml'"
check "any model's factory name gets it (spa3102.cfg)" \
    bash -c "curl -sf 'http://127.0.0.1:$HP/spa3102.cfg' | grep -qF 'Profile_Rule'"
check "not inside a folder" \
    bash -c "[ \$(curl -s -o /dev/null -w '%{http_code}' 'http://127.0.0.1:$HP/x/spa2102.cfg') = 404 ]"

# 2. at the customer: power cycle without option 66 → the full profile
sim home "$S" "${TLSDEV[@]}"
check "permanent server: spasim ok" has "$T/home.json" '"result":"ok"'
spacfg "$S" "$T/cfg2.xml"
check "full profile: User_ID_1_" [ "$(val "$T/cfg2.xml" User_ID_1_)" = 5552001 ]
check "full profile: Display_Name_1_ (global scope)" [ "$(val "$T/cfg2.xml" Display_Name_1_)" = "Flow One" ]
check "full profile: the password reached the flash" has "$S/config.xml" "<Password_1_ ua=\"na\">$PW</Password_1_>"
check "request over HTTPS with the unit's certificate" \
    has_event "https GET /spa$MAC.cfg from 127.0.0.1 ua=\"Linksys/SPA-2102-5.1.10 ($SN)\" cert=$MAC"
check "served plain over TLS to the proven unit" has_event "bytes, plain"
no_secret "the SIP password" "$PW" "$T/http.cap" "$T/tftp.cap" "$T/syslog.cap"
no_secret "User_ID_1_" "5552001" "$T/http.cap" "$T/tftp.cap" "$T/syslog.cap"

# 3. configuration: off by default, device templates refused
conf
reload_provd
check "without Bootstrap_Rule: /spa2102.cfg is 404" \
    bash -c "[ \$(curl -s -o /dev/null -w '%{http_code}' 'http://127.0.0.1:$HP/spa2102.cfg') = 404 ]"
printf 'HTTP_Port "0";\nBootstrap_Rule "http://x/{{device.key}}/spa$MA.cfg";\n' >"$T/bad.conf"
timeout 10 spaprovd --config "$T/bad.conf" --data "$T/baddata" 2>"$T/bad.err" && bad "bad Bootstrap_Rule accepted"
check "a device template in Bootstrap_Rule: file:line:col error" \
    grep -qF "bad.conf:2:16: error: Bootstrap_Rule: only {{server.url}} and {{server.name}} can be used here" "$T/bad.err"
flows_end
