# flow3_secprv.sh — issue 7, flow 3: secure provisioning SEC-PRV-1 → SEC-PRV-2,
# end to end between spasim and spaprovd on 127.0.0.1, with an eavesdropper.
#
# A factory-default unit with its own client certificate (`spaprov ca`) gets
# the in-house bootstrap over TFTP (flow 1: Profile_Rule → the HTTPS server),
# then, over HTTPS with its certificate, the SEC-PRV-1 profile — targeted to
# its MAC — that sets GPP_A to its 256-bit key, GPP_B to its random folder
# and Profile_Rule "[--key $A] http://…/$B/spa$PSN.cfg"; the next resync gets
# the full profile encrypted with that key over plain HTTP, and after the
# operator moves Secure_URL to TFTP (SIGHUP), over TFTP. Asserts on the
# unit's parameters (/admin/spacfg.xml, config.xml for the secret ones),
# spaprovd's events and device state, openssl decrypting what the folder
# serves with the key, and on the captures of spa_relay placed between unit
# and server for plain HTTP, TFTP and syslog: the key, the SIP password and
# the other GPP values never cross them.
set -u
. "$(dirname "$0")/lib/flows.sh"
flows_init
tls_dev
PW='S1p-Secret-7731'
conf 'Secure_Provisioning "yes";' "Secure_URL \"http://127.0.0.1:$RH\";" \
    "Bootstrap_Rule \"https://prov.test:$SP/spa\$MA.cfg\";"
$CLI --data "$D" device add $MAC SPA2102 --serial $SN || { echo "FAIL - device add"; exit 1; }
$CLI --data "$D" param set --scope device --target $MAC User_ID_1_ 5551001 &&
    $CLI --data "$D" param set --scope device --target $MAC Password_1_ "$PW" &&
    $CLI --data "$D" param set --scope global GPP_C gpp-c-9d2e &&
    $CLI --data "$D" param set --scope global Resync_Periodic 600 || { echo "FAIL - params"; exit 1; }
start_provd
S="$T/unit"

# 1. factory default, DHCP option 66 → the bootstrap over TFTP (through the relay)
sim boot "$S" --dhcp-tftp "127.0.0.1:$RT" "${TLSDEV[@]}"
check "bootstrap: spasim ok" has "$T/boot.json" '"result":"ok"'
check "bootstrap: Profile_Rule points at the HTTPS server" \
    has "$S/config.xml" "<Profile_Rule ua=\"na\">https://prov.test:$SP/spa\$MA.cfg</Profile_Rule>"
check "bootstrap: state still new" [ "$(state_of)" = new ]

# 2. power cycle: HTTPS with the client certificate → SEC-PRV-1
sim first "$S" "${TLSDEV[@]}"
check "SEC-PRV-1: spasim ok" has "$T/first.json" '"result":"ok"'
KEY=$(key_of)
DIR=$(path_of)
check "device key is 64 hex digits" python3 -c 'import re,sys; sys.exit(not re.fullmatch("[0-9a-f]{64}", sys.argv[1]))' "$KEY"
spacfg "$S" "$T/cfg1.xml"
check "SEC-PRV-1: GPP_A is the device key" [ "$(val "$T/cfg1.xml" GPP_A)" = "$KEY" ]
check "SEC-PRV-1: GPP_B is the device's random folder" [ "$(val "$T/cfg1.xml" GPP_B)" = "$DIR" ]
check "SEC-PRV-1: Profile_Rule is [--key \$A] …/\$B/spa\$PSN.cfg" \
    [ "$(val "$T/cfg1.xml" Profile_Rule)" = "[--key \$A] http://127.0.0.1:$RH/\$B/spa\$PSN.cfg" ]
check "SEC-PRV-1: the full profile is not there yet" [ "$(val "$T/cfg1.xml" User_ID_1_)" = "" ]
check "SEC-PRV-1: state bootstrap" [ "$(state_of)" = bootstrap ]
check "SEC-PRV-1: event" has_event "200 SEC-PRV-1 profile"
check "SEC-PRV-1 request came over https with the certificate" has_event "https GET /spa$MAC.cfg from 127.0.0.1"

# 3. SEC-PRV-2 over plain HTTP, encrypted with the key, at the random folder
sim second "$S" "${TLSDEV[@]}"
check "SEC-PRV-2 (http): spasim ok" has "$T/second.json" '"result":"ok"'
spacfg "$S" "$T/cfg2.xml"
check "SEC-PRV-2: User_ID_1_ applied" [ "$(val "$T/cfg2.xml" User_ID_1_)" = 5551001 ]
check "SEC-PRV-2: GPP_C applied" [ "$(val "$T/cfg2.xml" GPP_C)" = gpp-c-9d2e ]
check "SEC-PRV-2: Resync_Periodic applied" [ "$(val "$T/cfg2.xml" Resync_Periodic)" = 600 ]
check "SEC-PRV-2: GPP_A still the key" [ "$(val "$T/cfg2.xml" GPP_A)" = "$KEY" ]
check "SEC-PRV-2: Password_1_ in the unit's flash (secret: hidden on spacfg)" \
    has "$S/config.xml" "<Password_1_ ua=\"na\">$PW</Password_1_>"
check "spacfg hides the password" [ "$(val "$T/cfg2.xml" Password_1_)" = "" ]
check "SEC-PRV-2: state provisioned" [ "$(state_of)" = provisioned ]
check "SEC-PRV-2: request at the random folder, no MAC on the wire" \
    has_event "http GET /$DIR/spa2102.cfg from 127.0.0.1"
check "the capture saw that request" grep -qF "GET /$DIR/spa2102.cfg" "$T/http.cap"
UA='Linksys/SPA-2102-5.1.10 ('$SN')'
curl -s -A "$UA" -o "$T/p2.bin" "http://127.0.0.1:$HP/$DIR/spa2102.cfg"
check "what the folder serves decrypts with the key (openssl enc -md md5)" \
    bash -c "openssl enc -d -aes-256-cbc -md md5 -k '$KEY' -in '$T/p2.bin' 2>/dev/null | gunzip >'$T/p2.xml'"
check "… and carries GPP_A, GPP_B and the password" \
    bash -c "grep -qF '<GPP_A>$KEY</GPP_A>' '$T/p2.xml' && grep -qF '<GPP_B>$DIR</GPP_B>' '$T/p2.xml' && grep -qF '$PW' '$T/p2.xml'"
check "another key does not open it" \
    bash -c "! openssl enc -d -aes-256-cbc -md md5 -k 0000 -in '$T/p2.bin' 2>/dev/null | gunzip >/dev/null 2>&1"
curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HP/0123456789abcdef0123456789abcdef/spa2102.cfg" >"$T/rand.code"
check "a random folder that is no device's: 404" [ "$(cat "$T/rand.code")" = 404 ]
curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HP/spa$MAC.cfg" >"$T/plain.code"
curl -s -o "$T/plain.bin" "http://127.0.0.1:$HP/spa$MAC.cfg"
check "plain HTTP by MAC: still encrypted, never the SEC-PRV-1 profile" \
    bash -c "[ \$(cat '$T/plain.code') = 200 ] && head -c 8 '$T/plain.bin' | grep -q Salted__"

# 4. the operator moves SEC-PRV-2 to TFTP: delivered in the encrypted profile,
#    used from the next resync on
conf 'Secure_Provisioning "yes";' "Secure_URL \"tftp://127.0.0.1:$RT\";"
reload_provd
sim third "$S" "${TLSDEV[@]}"
check "Secure_URL change delivered over http" has "$T/third.json" '"result":"ok"'
sim fourth "$S" "${TLSDEV[@]}"
check "SEC-PRV-2 (tftp): spasim ok" has "$T/fourth.json" '"result":"ok"'
spacfg "$S" "$T/cfg4.xml"
check "Profile_Rule now names TFTP" \
    [ "$(val "$T/cfg4.xml" Profile_Rule)" = "[--key \$A] tftp://127.0.0.1:$RT/\$B/spa\$PSN.cfg" ]
check "SEC-PRV-2 over TFTP: request event" has_event "tftp RRQ /$DIR/spa2102.cfg from 127.0.0.1"
check "the TFTP capture saw the bootstrap and the folder" \
    bash -c "grep -qaF 'spa2102.cfg' '$T/tftp.cap' && grep -qaF '$DIR/spa2102.cfg' '$T/tftp.cap'"
check "the syslog capture saw the unit's resync lines" grep -qaF "Successful resync" "$T/syslog.cap"

# 5. the eavesdropper: no secret in any plain payload
sleep 0.3
CAPS=("$T/http.cap" "$T/tftp.cap" "$T/syslog.cap")
no_secret "the device key" "$KEY" "${CAPS[@]}"
no_secret "the SIP password" "$PW" "${CAPS[@]}"
no_secret "GPP_C" "gpp-c-9d2e" "${CAPS[@]}"
no_secret "User_ID_1_" "5551001" "${CAPS[@]}"
check "the key is in no log or event text" \
    bash -c "! grep -qF '$KEY' '$T/provd.log' $T/*.err $T/*.json && ! $CLI --data '$D' events --limit 5000 | grep -qF '$KEY'"
flows_end
