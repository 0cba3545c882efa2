# flow2_bind.sh — issue 7 flow 2, retail binding, end to end on loopback.
# A CA (tests/tools/spa_catool) issues spaprovd's server certificate
# (CN prov.test) and a unit-specific client certificate for a unit spaprovd
# has never heard of. The operator gives account 1001 a PIN with `spaprov
# account pin`. The customer's browser (curl) opens the unit's
#   /admin/resync?https://prov.test:PORT/bind?pin=PIN
# and spasim fetches that URL with its certificate. Asserted:
#   - spaprovd registered the unit from its certificate (model, serial) and
#     bound it to account 1001 (`spaprov device show`); events say so and the
#     PIN appears in no event and no log;
#   - /admin/spacfg.xml shows the account's parameters (User_ID_1_ from the
#     account number) and the permanent Profile_Rule; the key is in GPP_SA,
#     which the page never shows;
#   - the permanent rule works: a plain resync fetches the encrypted profile
#     over HTTP with that key and applies a value set afterwards;
#   - the unit's syslog lines (which quote the bind URL) are stored with the
#     PIN masked;
#   - an eavesdropper relaying the HTTPS and HTTP traffic sees neither the
#     PIN, the device key nor the account's SIP password;
#   - a wrong PIN, a used PIN (another unit), the PIN over plain HTTP and a
#     request without a client certificate bind nothing.
set -u
. "$(dirname "$0")/lib/flows.sh"
flows_setup
CAT=${SPA_TOOLS:-${SPA_BUILD:-.}/tests/tools}/spa_catool
[ -x "$CAT" ] || exit 77

# ---- the eavesdropper: relays in front of spaprovd's HTTP and HTTPS ports ----
relay tcp "$HP" "$T/cap.http"; RH=$RPORT
relay tcp "$SP" "$T/cap.https"; RS=$RPORT

# ---- PKI: server certificate for prov.test, unit-specific client certificates ----
$CAT init "$T/ca" 2>"$T/ca.err" || die "ca init"
$CAT server "$T/ca" prov.test "$T/srv" 2>>"$T/ca.err" || die "server certificate"
MAC=000e08b1d001
SN=RT0001
$CAT device "$T/ca" SPA2102 $MAC $SN "$T/dev" 2>>"$T/ca.err" || die "device certificate"
MAC2=000e08b1d002
$CAT device "$T/ca" SPA2102 $MAC2 RT0002 "$T/dev2" 2>>"$T/ca.err" || die "device certificate 2"
printf '127.0.0.1 prov.test\n' >"$T/hosts"

# ---- spaprovd; the operator's account with a PIN ----
cat >"$T/conf" <<EOF
HTTP_Port "$HP"; HTTPS_Port "$SP"; TFTP_Port "$TP"; Syslog_Port "$YP";
TLS_Cert "$T/srv.crt"; TLS_Key "$T/srv.key"; Client_CA "$T/ca/client-ca.crt";
Server_URL "http://127.0.0.1:$RH";
EOF
$CLI --data "$D" account add 1001 --name "Carol Customer" --number 5551001 || die "account add"
$CLI --data "$D" account add 1002 --name "Other" --number 5551002 || die "account add 2"
$CLI --data "$D" param set --scope global User_ID_1_ '{{account.number}}' || die "param global"
$CLI --data "$D" param set --scope global Resync_Random_Delay 0 || die "param global 2"
$CLI --data "$D" param set --scope account --target 1001 Password_1_ 'sip-S3cret-771' ||
    die "account password"
check "account pin: a bad PIN is refused without quoting it" \
    bash -c "! '$CLI' --data '$D' account pin 1001 --pin 'a b' 2>'$T/pin.err' && grep -q 'pin: expected 4..64' '$T/pin.err' && ! grep -q 'a b' '$T/pin.err'"
check "account pin: unknown account" bash -c "! '$CLI' --data '$D' account pin 9999 2>/dev/null"
check "account pin: a bad --expires is refused" \
    bash -c "! '$CLI' --data '$D' account pin 1001 --expires tomorrow 2>/dev/null"
PIN=$($CLI --data "$D" account pin 1001 --expires +2d 2>"$T/pin.err") || die "account pin"
check "generated PIN: 10 characters of the PIN alphabet" \
    bash -c "[[ '$PIN' =~ ^[23456789abcdefghjkmnpqrstuvwxyz]{10}$ ]]"
check "account pin says it is shown once" has "$T/pin.err" "cannot be shown again"
$CLI --data "$D" account pin 1002 --pin other-2222 >/dev/null 2>&1 || die "account pin 1002"

start_provd

# ---- the unit, fresh from the shop: no key, factory rules ----
start_sim() { # name mac serial cert → admin URL in $A
    local st="$T/st-$1"
    mkdir -p "$st" && chmod 700 "$st"
    printf '<flat-profile><Resync_Random_Delay>0</Resync_Random_Delay></flat-profile>\n' >"$st/config.xml"
    start_spasim "$1" --model SPA2102 --mac "$2" --serial "$3" --state "$st" \
        --hosts "$T/hosts" --ca "$T/ca/server-ca.crt" --cert "$4.crt" --key "$4.key" \
        --syslog "127.0.0.1:$YP"
}
bind_url() { echo "https://prov.test:$RS/bind?pin=$1"; }

start_sim a $MAC $SN "$T/dev"
A1=$A

# 1. a wrong PIN binds nothing
curl -s --max-time 5 "$A1/resync?$(bind_url wrongpin99)" >"$T/r1.txt"
check "wrong PIN: the unit accepted the resync request" has "$T/r1.txt" "resync requested"
check "wrong PIN: 403 and a security event" \
    wait_event $MAC "security .*binding refused from 127.0.0.1: wrong PIN \(pin wr\*+\)"
check "wrong PIN: the unit is not registered" \
    bash -c "! '$CLI' --data '$D' device show $MAC >/dev/null 2>&1"

# 2. the right PIN
curl -s --max-time 5 "$A1/resync?$(bind_url "$PIN")" >"$T/r2.txt"
check "bind: the unit accepted the resync request" has "$T/r2.txt" "resync requested"
check "bind: result event names the account" wait_event $MAC "result .*bound to account 1001"
for _ in $(seq 100); do
    curl -s --max-time 5 "$A1/spacfg.xml" >"$T/cfg.xml"
    grep -q '<User_ID_1_[^>]*>5551001<' "$T/cfg.xml" && break
    sleep 0.1
done
$CLI --data "$D" device show $MAC >"$T/show.txt" 2>&1
check "device show: registered and bound to 1001" grep -Eq '^account +1001$' "$T/show.txt"
check "device show: model from the certificate's OU" grep -Eq '^model +SPA2102$' "$T/show.txt"
check "device show: serial from the certificate's L" grep -Eq "^serial +$SN\$" "$T/show.txt"
DPATH=$(awk '$1=="path"{print $2}' "$T/show.txt")
KEY=$($CLI --data "$D" device show $MAC --secrets)
check "spacfg.xml: User_ID_1_ from the account number" grep -q '<User_ID_1_[^>]*>5551001<' "$T/cfg.xml"
check "spacfg.xml: the permanent Profile_Rule" \
    has "$T/cfg.xml" "[--key \$SA]http://127.0.0.1:$RH/$DPATH/spa\$MA.cfg</Profile_Rule>"
check "spacfg.xml: never shows the key (GPP_SA)" bash -c "! grep -q '$KEY' '$T/cfg.xml'"
check "the unit holds the key in GPP_SA (flash)" has "$T/st-a/config.xml" "<GPP_SA ua=\"na\">$KEY</GPP_SA>"
check "the unit holds the SIP password (flash)" has "$T/st-a/config.xml" "sip-S3cret-771"

$CLI --data "$D" --json account list >"$T/accounts.json"
check "account list: 1001's PIN used by the unit, 1002's unused" python3 -c '
import json,sys
a={x["id"]:x for x in json.load(open(sys.argv[1]))}
assert a["1001"]["pin"]=="used" and a["1001"]["pin_device"]==sys.argv[2] and a["1001"]["pin_expires"], a
assert a["1002"]["pin"]=="unused" and a["1002"]["pin_device"] is None, a' "$T/accounts.json" $MAC

# 3. the permanent rule: a later plain resync gets the encrypted profile over HTTP
$CLI --data "$D" param set --scope account --target 1001 Display_Name_1_ 'Carol' || die "param"
curl -s --max-time 5 "$A1/resync" >/dev/null
for _ in $(seq 100); do
    curl -s --max-time 5 "$A1/spacfg.xml" >"$T/cfg2.xml"
    grep -q '<Display_Name_1_[^>]*>Carol<' "$T/cfg2.xml" && break
    sleep 0.1
done
check "permanent rule: the next resync applied a new account value" \
    grep -q '<Display_Name_1_[^>]*>Carol<' "$T/cfg2.xml"
check "permanent rule: fetched over HTTP, encrypted" \
    wait_event $MAC "result +200 profile, [0-9]+ bytes, encrypted"
check "permanent rule: the request went to the per-device path" \
    wait_event $MAC "request +http GET /$DPATH/spa$MAC.cfg"

# 4. the PIN is spent: another unit presenting it binds nothing
start_sim b $MAC2 RT0002 "$T/dev2"
curl -s --max-time 5 "$A/resync?$(bind_url "$PIN")" >/dev/null
check "used PIN: 410 and a security event" \
    wait_event $MAC2 "security .*binding refused from 127.0.0.1: PIN already used"
check "used PIN: the other unit is not registered" \
    bash -c "! '$CLI' --data '$D' device show $MAC2 >/dev/null 2>&1"

# 5. over plain HTTP, or without a client certificate: refused, nothing bound
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$HP/bind?pin=other-2222")
check "PIN over plain HTTP: 403" test "$code" = 403
code=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 5 "https://127.0.0.1:$SP/bind?pin=other-2222")
check "no client certificate: 403" test "$code" = 403
check "refusals are security events" \
    bash -c "'$CLI' --data '$D' events --type security | grep -q 'binding needs a unit-specific client certificate'"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$T/ca/server-ca.crt" \
    --resolve "prov.test:$SP:127.0.0.1" --cert "$T/dev2.crt" --key "$T/dev2.key" \
    "https://prov.test:$SP/bind?pin=other-2222")
check "curl with the other unit's certificate binds it with account 1002's PIN: 200" test "$code" = 200
check "...and the unit is bound to 1002" \
    bash -c "'$CLI' --data '$D' device show $MAC2 | grep -Eq '^account +1002$'"

# 6. what an eavesdropper saw, and what was logged
$CLI --data "$D" events --json >"$T/events.json" 2>&1
check "eavesdropper: HTTPS traffic was captured" test -s "$T/cap.https"
check "eavesdropper: the HTTP profile passed the relay, encrypted" grep -qa "Salted__" "$T/cap.http"
for secret in "$PIN" "$KEY" "sip-S3cret-771"; do
    check "eavesdropper: '${secret:0:4}…' not in the captured bytes" \
        bash -c "! grep -qaF -- '$secret' '$T/cap.https' '$T/cap.http'"
done
check "the unit's syslog line quoting the bind URL is stored with the PIN masked" \
    wait_event $MAC "syslog .*bind\?pin=${PIN:0:2}\*{8}"
check "the PIN is in no event and no log" \
    bash -c "! grep -qF -- '$PIN' '$T/events.json' '$T/provd.log' '$T/a.err' '$T/b.err'"
check "the key is in no event and no log" bash -c "! grep -qF -- '$KEY' '$T/events.json' '$T/provd.log'"

flows_end
