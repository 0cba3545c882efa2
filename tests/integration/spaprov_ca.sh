# spaprov_ca.sh — issue 7, the PKI through the admin CLI (`spaprov ca`):
# init (passphrase-protected roots, 0600 keys, no overwrite), server
# certificates with the guide's CN rule, unique / generic / batch device
# certificates — each checked with the openssl command (verify with the
# right root and purpose, refused by the other root, subject fields) — and
# then used for real: spasim accepts spaprovd's issued server certificate,
# and refuses a wrong CN, a wrong CA, and an address that the certificate's
# name does not resolve to; $CCERT reads Installed with a unique client
# certificate and Not Installed with a generic one or none (seen in the
# unit's syslog lines, stored by spaprovd). Errors name the field.
set -u
. "$(dirname "$0")/lib/assert.sh"
for c in openssl curl python3 spasim spaprovd; do
    command -v "$c" >/dev/null 2>&1 || { echo "skip: need $c"; exit 77; }
done
CLI=${SPA_BUILD:-.}/spaprov
[ -x "$CLI" ] || CLI=$(command -v spaprov) || exit 77
. "$(dirname "$0")/lib/peers.sh"
peers_init spaprov-ca
CA="$T/ca"
O="$T/out"
printf 'correct horse battery\n' >"$T/pass"
printf 'wrong\n' >"$T/wrong"
ca() { $CLI --data "$T/data" "$@"; }
mode() { stat -c %a "$1"; }
subj() { openssl x509 -in "$1" -noout -subject -nameopt RFC2253 | sed 's/^subject=//'; }

# ---- ca init ------------------------------------------------------------------------
ca ca init --ca "$CA" --org "Example Telco" --passphrase-file "$T/pass" >"$T/init.out"
check "init: prints both roots" grep -qF "$CA/server-ca.crt" "$T/init.out"
check "root keys 0600" [ "$(mode "$CA/server-ca.key")$(mode "$CA/client-ca.key")" = 600600 ]
check "root certificates 0644" [ "$(mode "$CA/server-ca.crt")" = 644 ]
check "CA folder 0700" [ "$(mode "$CA")" = 700 ]
check "keys are encrypted PKCS#8" grep -q 'BEGIN ENCRYPTED PRIVATE KEY' "$CA/server-ca.key"
check "openssl reads the key with the passphrase" \
    openssl pkey -in "$CA/client-ca.key" -passin "pass:correct horse battery" -noout
cp "$CA/server-ca.key" "$T/key.before"
ca ca init --ca "$CA" --passphrase-file "$T/pass" 2>"$T/e" && bad "init overwrote a CA"
check "init refuses an existing CA" grep -qF "a CA already exists" "$T/e"
check "… and left it alone" cmp -s "$CA/server-ca.key" "$T/key.before"
check "server root subject" [ "$(subj "$CA/server-ca.crt")" = "CN=Example Telco Provisioning Server Root CA,O=Example Telco" ]

# ---- issue-server --------------------------------------------------------------------
P=(--ca "$CA" --passphrase-file "$T/pass")
ca ca issue-server "${P[@]}" --cn 'prov.test/mailto:ops@example.net' --ip 127.0.0.1 --out "$O" >/dev/null
check "server cert verifies for sslserver with the server root" \
    bash -c "openssl verify -CAfile '$CA/server-ca.crt' -purpose sslserver '$O/prov.test.crt' >/dev/null"
check "… and not with the client root" bash -c "! openssl verify -CAfile '$CA/client-ca.crt' '$O/prov.test.crt' >/dev/null 2>&1"
check "server CN is FQDN/info as given" \
    [ "$(subj "$O/prov.test.crt")" = "CN=prov.test/mailto:ops@example.net,O=Example Telco" ]
check "subjectAltName DNS:prov.test" bash -c "openssl x509 -in '$O/prov.test.crt' -noout -ext subjectAltName | grep -q 'DNS:prov.test'"
check "server key 0600, certificate 0644" [ "$(mode "$O/prov.test.key")$(mode "$O/prov.test.crt")" = 600644 ]
check "--ip writes a hosts line for spasim" grep -qx '127.0.0.1 prov.test' "$O/prov.test.hosts"
ca ca issue-server "${P[@]}" --cn prov.test --out "$O" 2>"$T/e" && bad "issue-server overwrote"
check "issue-server refuses to overwrite" grep -qF "already exists" "$T/e"
ca ca issue-server "${P[@]}" --cn 192.0.2.1 --out "$O" 2>"$T/e"; rc=$?
check "an IP as CN: refused, field named, exit 2" bash -c "[ $rc = 2 ] && grep -qF -- \"--cn: '192.0.2.1' is an address, not a host name\" '$T/e'"
ca ca issue-server "${P[@]}" --cn prov --out "$O" 2>"$T/e"
check "an unqualified CN refused" grep -qF "'prov' is not fully qualified" "$T/e"
ca ca issue-server --ca "$CA" --cn a.prov.test --out "$O" 2>"$T/e" && bad "no passphrase accepted"
check "protected CA without a passphrase" grep -qF "a passphrase is needed" "$T/e"
ca ca issue-server --ca "$CA" --passphrase-file "$T/wrong" --cn a.prov.test --out "$O" 2>"$T/e" && bad "wrong passphrase accepted"
check "wrong passphrase" grep -qF "wrong passphrase or damaged file" "$T/e"
check "the passphrase is never printed" bash -c "! grep -qF 'correct horse' '$T/e'"
ca ca issue-server "${P[@]}" --cn b.prov.test --ip 300.1.1.1 --out "$O" 2>"$T/e"
check "bad --ip named" grep -qF -- "--ip: '300.1.1.1' is not an IP address" "$T/e"

# ---- issue-device --------------------------------------------------------------------
MAC=000e08c40001
ca ca issue-device "${P[@]}" --model SPA2102 --mac 00:0E:08:C4:00:01 --serial 88012BA01234 --out "$O" >/dev/null
check "unique certificate named by the MAC" [ -f "$O/$MAC.crt" -a -f "$O/$MAC.key" ]
check "unique: verifies for sslclient with the client root" \
    bash -c "openssl verify -CAfile '$CA/client-ca.crt' -purpose sslclient '$O/$MAC.crt' >/dev/null"
check "unique: not with the server root" bash -c "! openssl verify -CAfile '$CA/server-ca.crt' '$O/$MAC.crt' >/dev/null 2>&1"
check "unique: OU=product, L=serial, ST (the guide's S)=MAC" \
    [ "$(subj "$O/$MAC.crt")" = "CN=$MAC,ST=$MAC,L=88012BA01234,OU=SPA-2102,O=Example Telco" ]
check "unique key 0600" [ "$(mode "$O/$MAC.key")" = 600 ]
ca ca issue-device "${P[@]}" --generic --model SPA2102 --out "$O" >/dev/null
check "generic: OU only, no L and no ST" \
    [ "$(subj "$O/SPA-2102-generic.crt")" = "CN=SPA-2102 generic,OU=SPA-2102,O=Example Telco" ]
ca ca issue-device "${P[@]}" --model SPA2102 --mac zz --serial X --out "$O" 2>"$T/e"
check "bad MAC named" grep -qF "mac: 'zz' is not a MAC address" "$T/e"
ca ca issue-device "${P[@]}" --model SPA2102 --mac 000e08c40002 --out "$O" 2>"$T/e"
check "missing serial named" grep -qF "serial: '' must be 1 to 63 printable characters" "$T/e"
ca ca issue-device "${P[@]}" --model SPA9999 --mac 000e08c40002 --serial X --out "$O" 2>"$T/e"
check "unknown model named" grep -qF "product: 'SPA9999' is neither a product name" "$T/e"
ca ca issue-device "${P[@]}" --mac 000e08c40002 --serial X --out "$O" 2>"$T/e"
check "missing --model named" grep -qF -- "--model: required" "$T/e"
check "no stray files from the refused ones" [ ! -e "$O/000e08c40002.crt" ]

# ---- batch ---------------------------------------------------------------------------
python3 -c '
print("model,mac,serial")
for i in range(50): print("SPA2102,000e08d0%04x,SN%05d" % (i, i))' >"$T/fleet.csv"
ca ca issue-device "${P[@]}" --batch "$T/fleet.csv" --out "$T/fleet" >"$T/b.out"
check "batch: 50 issued" grep -qF "issued 50 device certificates" "$T/b.out"
check "batch: 50 pairs named <mac>.crt/<mac>.key" [ "$(ls "$T/fleet" | grep -c '^000e08d0....\.\(crt\|key\)$')" = 100 ]
check "batch: every certificate verifies" \
    bash -c "[ \$(openssl verify -CAfile '$CA/client-ca.crt' -purpose sslclient $T/fleet/*.crt | grep -c ': OK$') = 50 ]"
check "batch: subject of one" [ "$(subj "$T/fleet/000e08d00007.crt")" = "CN=000e08d00007,ST=000e08d00007,L=SN00007,OU=SPA-2102,O=Example Telco" ]
check "batch: keys 0600" [ "$(stat -c %a "$T"/fleet/*.key | sort -u)" = 600 ]
ca ca issue-device "${P[@]}" --batch "$T/fleet.csv" --out "$T/fleet" 2>"$T/e" && bad "batch overwrote"
check "batch refuses to replace files (file:line)" grep -qF "fleet.csv:2: error: mac: $T/fleet/000e08d00000.crt already exists" "$T/e"
printf 'SPA2102,000e08d10001,A\nSPA2102,zz,B\n' >"$T/bad.csv"
ca ca issue-device "${P[@]}" --batch "$T/bad.csv" --out "$T/none" 2>"$T/e" && bad "bad batch accepted"
check "bad batch: file:line:col and the field" grep -qF "bad.csv:2:9: error: mac: 'zz' is not a MAC address" "$T/e"
check "bad batch wrote nothing" [ -z "$(ls -A "$T/none" 2>/dev/null)" ]

# ---- ca show / ca list ---------------------------------------------------------------
ca ca show --ca "$CA" >"$T/show.txt"
check "show: both roots, each verified by itself" \
    bash -c "[ \$(grep -c '^kind          root' '$T/show.txt') = 2 ] && grep -qx 'verified by   server root' '$T/show.txt' && grep -qx 'verified by   client root' '$T/show.txt'"
ca ca show --ca "$CA" "$O/$MAC.crt" >"$T/show1.txt"
check "show FILE: a unique device certificate, its identity, verified by the client root" \
    bash -c "grep -qx 'kind          device' '$T/show1.txt' && grep -qx 'mac           $MAC' '$T/show1.txt' && grep -qx 'serial        88012BA01234' '$T/show1.txt' && grep -qx 'verified by   client root' '$T/show1.txt'"
FP=$(openssl x509 -in "$O/$MAC.crt" -noout -fingerprint -sha256 | sed 's/.*=//')
check "show FILE: the SHA-256 fingerprint openssl prints" grep -qx "sha256        $FP" "$T/show1.txt"
ca --json ca list --ca "$CA" "$T/fleet" >"$T/list.json"
check "list --json: 50 device certificates, all verified by the client root" python3 -c '
import json,sys
v=json.load(open(sys.argv[1]))
sys.exit(not (len(v)==50 and all(e["kind"]=="device" and e["verified_by"]=="client root" for e in v)))' "$T/list.json"
ca ca list --ca "$CA" "$O" >"$T/list.txt"
check "list: server, device and generic kinds" \
    bash -c "grep -q '^prov.test.crt  *server ' '$T/list.txt' && grep -q '^SPA-2102-generic.crt  *generic ' '$T/list.txt' && grep -q '^$MAC.crt  *device  *$MAC ' '$T/list.txt'"
ca ca show "$CA/nothing.crt" 2>"$T/e" && bad "show of a missing file succeeded"
check "show of a missing file: named" grep -qF "nothing.crt: not a PEM certificate" "$T/e"

# ---- the certificates at work: spaprovd ⇄ spasim ------------------------------------
read -r HP SP YP < <(pick_ports tcp tcp udp)
D="$T/data"
printf 'HTTP_Port "%s"; HTTPS_Port "%s"; TFTP_Port "0"; Syslog_Port "%s";\nTLS_Cert "%s"; TLS_Key "%s"; Client_CA "%s"; HTTPS_Plain "yes";\n' \
    "$HP" "$SP" "$YP" "$O/prov.test.crt" "$O/prov.test.key" "$CA/client-ca.crt" >"$T/conf"
$CLI --data "$D" device add $MAC SPA2102 --serial 88012BA01234 && $CLI --data "$D" param set --scope device --target $MAC GPP_D from-spaprovd ||
    { echo "FAIL - device add"; exit 1; }
KEY=$($CLI --data "$D" device show $MAC --secrets)
start_spaprovd "$T/conf" "$D" "$HP" "$T/provd.log" || bad "spaprovd did not start"
# unit NAME RULE HOSTS CA [args]: a unit whose request line carries $CCERT
unit() {
    local name=$1 rule=$2 hosts=$3 ca=$4
    shift 4
    mkdir -p "$T/$name" && chmod 700 "$T/$name"
    printf '<flat-profile><Profile_Rule>%s</Profile_Rule><Log_Resync_Request_Msg>$MA %s ccert=$CCERT</Log_Resync_Request_Msg></flat-profile>\n' \
        "$rule" "$name" >"$T/$name/config.xml"
    timeout 60 spasim --model SPA2102 --mac $MAC --serial 88012BA01234 --state "$T/$name" --once \
        --timeout 30 --hosts "$hosts" --ca "$ca" --syslog "127.0.0.1:$YP" "$@" \
        >"$T/$name.json" 2>"$T/$name.err"
}
DEV=(--cert "$O/$MAC.crt" --key "$O/$MAC.key")
URL="https://prov.test:$SP/spa\$MA.cfg"
unit good "$URL" "$O/prov.test.hosts" "$CA/server-ca.crt" "${DEV[@]}"
check "spasim accepts the issued server certificate" has "$T/good.json" '"result":"ok"'
check "… and got its profile over HTTPS" has "$T/good/config.xml" '<GPP_D ua="na">from-spaprovd</GPP_D>'
printf '127.0.0.1 other.test\n' >"$T/other.hosts"
unit cn "https://other.test:$SP/spa\$MA.cfg" "$T/other.hosts" "$CA/server-ca.crt" "${DEV[@]}"
check "wrong CN refused" has "$T/cn.json" '"err":"ssl handshake failed"'
ca ca init --ca "$T/ca2" --org "Rogue" >/dev/null
unit wrongca "$URL" "$O/prov.test.hosts" "$T/ca2/server-ca.crt" "${DEV[@]}"
check "another CA's root: refused" has "$T/wrongca.json" '"err":"ssl handshake failed"'
printf '127.0.0.2 prov.test\n' >"$T/elsewhere.hosts"
unit ip "https://127.0.0.1:$SP/spa\$MA.cfg" "$T/elsewhere.hosts" "$CA/server-ca.crt" "${DEV[@]}"
check "an address the certificate's name does not resolve to: refused" has "$T/ip.json" '"err":"ssl handshake failed"'
unit ipok "https://127.0.0.1:$SP/spa\$MA.cfg" "$O/prov.test.hosts" "$CA/server-ca.crt" "${DEV[@]}"
check "an IP URL whose certificate name resolves to that IP: accepted" has "$T/ipok/config.xml" 'from-spaprovd'
check "refusals leave the unit unchanged" bash -c "! grep -q GPP_D '$T/cn/config.xml' '$T/wrongca/config.xml' '$T/ip/config.xml'"
ca ca issue-device --ca "$T/ca2" --model SPA2102 --mac $MAC --serial 88012BA01234 --out "$T/rogue" >/dev/null
unit roguedev "$URL" "$O/prov.test.hosts" "$CA/server-ca.crt" --cert "$T/rogue/$MAC.crt" --key "$T/rogue/$MAC.key"
check "a device certificate from another CA: refused by spaprovd" bash -c "! grep -q '\"result\":\"ok\"' '$T/roguedev.json'"
check "ca show: that certificate is verified by neither root" \
    bash -c "$CLI ca show --ca '$CA' '$T/rogue/$MAC.crt' | grep -qx 'verified by   neither root'"
unit generic "[--key $KEY]$URL" "$O/prov.test.hosts" "$CA/server-ca.crt" \
    --cert "$O/SPA-2102-generic.crt" --key "$O/SPA-2102-generic.key"
check "generic certificate: accepted, served by the MAC in the path (encrypted)" has "$T/generic/config.xml" 'from-spaprovd'
unit nocert "[--key $KEY]$URL" "$O/prov.test.hosts" "$CA/server-ca.crt"
check "no certificate: served by the MAC in the path (encrypted)" has "$T/nocert/config.xml" 'from-spaprovd'
evs() { $CLI --data "$D" events --kind syslog --limit 1000; }
for _ in $(seq 30); do evs | grep -q 'nocert ccert' && break; sleep 0.1; done
check "\$CCERT = Installed with the unique certificate" bash -c "$CLI --data '$D' events --kind syslog | grep -qF '$MAC good ccert=Installed'"
check "\$CCERT = Not Installed with the generic certificate" bash -c "$CLI --data '$D' events --kind syslog | grep -qF '$MAC generic ccert=Not Installed'"
check "\$CCERT = Not Installed without one" bash -c "$CLI --data '$D' events --kind syslog | grep -qF '$MAC nocert ccert=Not Installed'"
check "spaprovd bound the unique certificate to the MAC" bash -c "$CLI --data '$D' events --mac $MAC | grep -qF 'cert=$MAC'"

for n in ip roguedev; do   # which refusal each was (for the log)
    python3 -c 'import json,sys; print("# %s: err=%s" % (sys.argv[2], json.load(open(sys.argv[1]))["err"]))' "$T/$n.json" "$n"
done
stop_spaprovd || bad "spaprovd ignored SIGTERM"
if [ $FAILS -gt 0 ]; then
    for f in "$T"/*.json "$T"/*.err "$T/provd.log"; do [ -s "$f" ] && { echo "--- $f"; cat "$f"; }; done
    echo "$FAILS check(s) failed"; exit 1
fi
echo "all passed"
