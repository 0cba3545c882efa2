# flow7_rc.sh — issue 7, flow 7 (remote-customized units), end to end on
# loopback with two spaprovd: the vendor's (Mode "rc-vendor": companies and
# MAC assignments via `spaprov rc`) and the company's (a normal server with
# the unit's profile). An RC unit (spasim --rc) first shows Customization
# "Pending" (vendor unreachable: it carries on with its factory rule), then,
# after a power cycle with the vendor up, fetches its customization over
# HTTPS, shows the company name, holds the company's restricted domains, DNS
# servers and Profile_Rule (/admin/spacfg.xml), has $ISCUST 1, and continues
# with the company's server. A normal unit shows "Not Customized"; an RC unit
# the vendor does not know stays "Pending". Eavesdropper's view: the vendor
# refuses the customization over plain HTTP (it carries the company's key
# for the unit), the company's profile over HTTP is ciphertext, and no key
# reaches a log or an event.
set -u
. "$(dirname "$0")/lib/assert.sh"
command -v python3 >/dev/null && command -v curl >/dev/null || exit 77
CLI=${SPA_BUILD:-.}/spaprov
[ -x "$CLI" ] || CLI=$(command -v spaprov) || exit 77
for p in spasim spaprovd; do command -v $p >/dev/null || exit 77; done
. "$(dirname "$0")/lib/peers.sh"
peers_init flow7
dump() { for f in "$T"/*.log "$T"/*.err "$T"/*.json; do [ -f "$f" ] && sed "s|^|  $(basename "$f"): |" "$f"; done; }

read -r CHP CSP CTP CYP VHP VSP VTP VYP AP < <(pick_ports tcp tcp udp udp tcp tcp udp udp tcp)
printf 'HTTP_Port "%s"; HTTPS_Port "%s"; TFTP_Port "%s"; Syslog_Port "%s";\n' \
    "$CHP" "$CSP" "$CTP" "$CYP" >"$T/company.conf"
# The vendor's certificate exists before its server runs: units ship trusting it.
command -v openssl >/dev/null || exit 77
VCERT="$T/vendor.crt"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/vendor.key" \
    -out "$VCERT" -days 2 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null || exit 77
printf 'Mode "rc-vendor";\nHTTP_Port "%s"; HTTPS_Port "%s"; TFTP_Port "%s"; Syslog_Port "%s";\nTLS_Cert "%s"; TLS_Key "%s";\n' \
    "$VHP" "$VSP" "$VTP" "$VYP" "$VCERT" "$T/vendor.key" >"$T/vendor.conf"
CD="$T/company"
VD="$T/vendor"
C() { $CLI --config "$T/company.conf" --data "$CD" "$@"; }
V() { $CLI --config "$T/vendor.conf" --data "$VD" "$@"; }
status() { curl -s "http://127.0.0.1:$AP/admin/status" >"$T/status.json"; }
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], ""))' "$T/status.json" "$1" 2>/dev/null; }

RC=000e08f70001      # a remote-customized unit of Acme
PLAIN=000e08f70002   # a normal unit
STRAY=000e08f70003   # an RC unit the vendor has no customization for

# ---- the company's server ------------------------------------------------------------------
for m in $RC $PLAIN; do C device add $m SPA2102 --serial S$m || bad "company device add $m"; done
C param set --scope global GPP_A acme-provisioned || bad "company param"
KEY=$(C device show $RC --secrets)
KEYP=$(C device show $PLAIN --secrets)
start_spaprovd "$T/company.conf" "$CD" "$CHP" "$T/company.log" || bad "company spaprovd did not start"
# The unit's fetches from the company pass a recording relay (the eavesdropper).
RELAY=${SPA_TOOLS:-${SPA_BUILD:-.}/tests/tools}/spa_relay
"$RELAY" tcp 127.0.0.1 "$CHP" "$T/wire.cap" 120 >"$T/relay.out" 2>"$T/relay.err" &
PIDS+=($!)
CRP=$(port_line "$T/relay.out") || bad "the relay did not start"

# ---- the vendor's data (its server starts later) ---------------------------------------------
check "rc company add" V rc company add Acme --url "http://127.0.0.1:$CRP/cust\$ISCUST/spa\$MA.cfg" \
    --domains "127.0.0.1,acme.example" --dns "127.0.0.53,127.0.0.54"
check "a bad DNS server is refused" sh -c "! '$CLI' --data '$VD' rc company add Bad --url http://x/y --dns 1.2.3 2>'$T/e1.err' && grep -q \"dns: '1.2.3' is not an IPv4 address\" '$T/e1.err'"
check "an unknown company is refused" sh -c "! '$CLI' --data '$VD' rc assign $RC Nobody 2>'$T/e2.err' && grep -q \"no company 'Nobody'\" '$T/e2.err'"
printf 'mac,company,key\n%s,Acme,%s\n' "$RC" "$KEY" >"$T/assign.csv"
printf 'mac,company\n%s,Acme\nzz,Acme\n' "$STRAY" >"$T/bad.csv"
check "a bad batch row names file:line:col and assigns nothing" \
    sh -c "! '$CLI' --data '$VD' rc assign --batch '$T/bad.csv' 2>'$T/e3.err' && grep -q 'bad.csv:3:1: error' '$T/e3.err'"
check "rc assign --batch" sh -c "'$CLI' --config '$T/vendor.conf' --data '$VD' rc assign --batch '$T/assign.csv' | grep -qx 'assigned 1'"
V rc list >"$T/units.txt"
check "rc list: one unit, its key not shown" sh -c "grep -qx '$RC  Acme  (key set)' '$T/units.txt' && ! grep -q '$KEY' '$T/units.txt'"

# ---- the RC unit before the vendor answers: Pending -------------------------------------------
ST="$T/st-rc"
mkdir -p "$ST" && chmod 700 "$ST"   # a unit without the power-up random delay (test speed)
echo '<flat-profile><Resync_Random_Delay>0</Resync_Random_Delay></flat-profile>' >"$ST/config.xml"
echo "127.0.0.1 localhost" >"$T/hosts"   # the certificate's name (spasim checks the CN)
spasim --model SPA2102 --mac $RC --serial S$RC --state "$ST" --http "127.0.0.1:$AP" \
    --rc "https://localhost:$VSP/rc\$MA.xml" --ca "$VCERT" --hosts "$T/hosts" --syslog "127.0.0.1:$CYP" \
    --http-timeout 5000 >"$T/sim-rc.log" 2>"$T/sim-rc.err" &
SIM=$!
PIDS+=("$SIM")
for _ in $(seq 100); do   # until the admin server answers and the first resync ended
    status
    [ -n "$(field customization)" ] && [ "$(field resync_ok)$(field resync_fail)" != 00 ] && break
    sleep 0.1
done
check "vendor unreachable: Customization Pending" [ "$(field customization)" = Pending ]
curl -s "http://127.0.0.1:$AP/admin/spacfg.xml" >"$T/before.xml"
check "not customized yet: no restricted domains" grep -q '<Restricted_Access_Domains ua="na"></Restricted_Access_Domains>' "$T/before.xml"

# ---- the vendor's server ---------------------------------------------------------------------
start_spaprovd "$T/vendor.conf" "$VD" "$VHP" "$T/vendor.log" || bad "vendor spaprovd did not start"
code=$(curl -s -o "$T/plain.body" -w '%{http_code}' "http://127.0.0.1:$VHP/rc$RC.xml")
check "customization refused over plain http (403)" [ "$code" = 403 ]
check "nothing of it in clear" sh -c "! grep -q -e Acme -e '$KEY' '$T/plain.body'"
code=$(curl -s --cacert "$VCERT" -o "$T/cust.xml" -w '%{http_code}' "https://127.0.0.1:$VSP/rc$RC.xml")
check "customization over https" [ "$code" = 200 ]
check "it names the company" has "$T/cust.xml" "<Customization>Acme</Customization>"

# ---- power cycle: customized, then the company's server --------------------------------------
curl -s -o /dev/null "http://127.0.0.1:$AP/admin/reboot"
for _ in $(seq 150); do
    status
    [ "$(field customization)" = Acme ] && [ "$(field resync_ok)" -ge 1 ] 2>/dev/null && break
    sleep 0.1
done
check "Customization shows the company" [ "$(field customization)" = Acme ]
curl -s "http://127.0.0.1:$AP/admin/spacfg.xml" >"$T/after.xml"
check "restricted domains set" has "$T/after.xml" '<Restricted_Access_Domains ua="na">127.0.0.1,acme.example</Restricted_Access_Domains>'
check "primary DNS set" has "$T/after.xml" '<Primary_DNS ua="rw">127.0.0.53</Primary_DNS>'
check "secondary DNS set" has "$T/after.xml" '<Secondary_DNS ua="rw">127.0.0.54</Secondary_DNS>'
check "the company's Profile_Rule" has "$T/after.xml" "http://127.0.0.1:$CRP/cust\$ISCUST/spa\$MA.cfg</Profile_Rule>"
check "the company's profile applied (GPP_A)" has "$T/after.xml" '<GPP_A ua="na">acme-provisioned</GPP_A>'
C events --json >"$T/cev.json"
check "\$ISCUST is 1 after customization (the company's URL carries it)" \
    grep -q "GET /cust1/spa$RC.cfg" "$T/cev.json"
check "customization kept in flash" grep -qx 'customization=Acme' "$ST/device.state"

# ---- flow 8 for an RC unit: the manufacturing reset re-enters flow 7 ---------------------
custs() { V events --mac $RC --json | python3 -c '
import json,sys; print(sum(1 for e in json.load(sys.stdin) if e["kind"]=="result" and e["text"].startswith("200 customization")))'; }
n0=$(custs)
spasim ctl "$ST" dial '****RESET#1#' >"$T/ctl.out" 2>&1
check "ctl dial ****RESET#1#: ok" grep -q '^ok' "$T/ctl.out"
for _ in $(seq 150); do
    status
    [ "$(custs)" -gt "$n0" ] 2>/dev/null && [ "$(field customization)" = Acme ] && break
    sleep 0.1
done
check "after the reset the unit asked the vendor again" [ "$(custs)" -gt "$n0" ]
check "… and shows the company again" [ "$(field customization)" = Acme ]
curl -s "http://127.0.0.1:$AP/admin/spacfg.xml" >"$T/reset.xml"
check "… factory values back (the company profile's GPP_A gone until its next resync)" \
    bash -c "! grep -q 'acme-provisioned' '$T/reset.xml'"
check "… with the company's Profile_Rule from the new customization" \
    has "$T/reset.xml" "http://127.0.0.1:$CRP/cust\$ISCUST/spa\$MA.cfg</Profile_Rule>"
kill -TERM $SIM 2>/dev/null; wait $SIM 2>/dev/null

V events --json >"$T/vev.json"
check "vendor: customization served over https" python3 -c '
import json,sys; ev=json.load(open(sys.argv[1]))
sys.exit(0 if any(e["kind"]=="result" and e["text"].startswith("200 customization") and e["mac"]==sys.argv[2] for e in ev) else 1)' "$T/vev.json" $RC
C events --mac $RC --json >"$T/cev.json"
check "company: the unit's profile served" python3 -c '
import json,sys; ev=json.load(open(sys.argv[1]))
sys.exit(0 if any(e["kind"]=="result" and e["text"].startswith("200 profile") for e in ev) else 1)' "$T/cev.json"
check "company collector: the customization syslog line" python3 -c '
import json,sys; ev=json.load(open(sys.argv[1]))
sys.exit(0 if any(e["kind"]=="syslog" and "Customization Acme" in e["text"] for e in ev) else 1)' "$T/cev.json"

# ---- a normal unit, and an RC unit the vendor does not know ------------------------------------
SP="$T/st-plain"
mkdir -p "$SP" && chmod 700 "$SP"
printf '<flat-profile><Profile_Rule>[--key %s]http://127.0.0.1:%s/spa$MA.cfg</Profile_Rule></flat-profile>\n' \
    "$KEYP" "$CHP" >"$SP/config.xml"
timeout 60 spasim --model SPA2102 --mac $PLAIN --serial S$PLAIN --state "$SP" --once --timeout 30 \
    >"$T/plain.json" 2>"$T/plain.err"
check "normal unit: Not Customized" grep -q '"customization":"Not Customized"' "$T/plain.json"
timeout 60 spasim --model SPA2102 --mac $STRAY --serial S$STRAY --state "$T/st-stray" --once --timeout 30 \
    --rc "https://localhost:$VSP/rc\$MA.xml" --ca "$VCERT" --hosts "$T/hosts" >"$T/stray.json" 2>"$T/stray.err"
check "unknown RC unit: still Pending" grep -q '"customization":"Pending"' "$T/stray.json"
V events --mac $STRAY --json >"$T/vev2.json"
check "vendor: 404 for an unassigned unit" grep -q '404 unit not assigned to a company' "$T/vev2.json"

# ---- what an eavesdropper sees ----------------------------------------------------------------------
check "the unit's fetches from the company crossed the relay, as ciphertext" \
    sh -c "grep -aq 'GET /cust1/spa$RC.cfg' '$T/wire.cap' && grep -aq Salted__ '$T/wire.cap'"
check "nothing in clear on the unit's wire: no key, no profile XML" \
    sh -c "! grep -aq -e '$KEY' -e '$KEYP' -e '<flat-profile' '$T/wire.cap'"
curl -s -o "$T/wire.bin" "http://127.0.0.1:$CHP/spa$RC.cfg"
check "company profile on the wire is ciphertext" sh -c "head -c 8 '$T/wire.bin' | grep -q Salted__"
check "no key in any log or event" \
    sh -c "! grep -q -e '$KEY' -e '$KEYP' '$T'/*.log '$T'/*.err '$T/vev.json' '$T/cev.json' '$T/vev2.json'"

[ $FAILS = 0 ] || { dump; echo "$FAILS failed"; exit 1; }
echo "all ok"
