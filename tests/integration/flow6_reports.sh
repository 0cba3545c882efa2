# flow6_reports.sh — issue 7 flow 6, reports, end to end on loopback.
# spaprovd with TFTP uploads and a Report_Max; an eavesdropper relays
# spaprovd's HTTP (TCP) and TFTP (UDP) ports and records every byte. A
# spasim unit staged with its device key:
#   Profile_Rule [--key KEY --post a] http://RELAY/spa$MA.cfg  (GPP_A: state text)
#   Report_Rule  [--key KEY] http://RELAY/spa/$MA/rep.xml.enc
# Asserted:
#   - the --post resync: spaprovd stores the body as a report event AND
#     answers the profile (the unit applies its values);
#   - `spasim ctl DIR report` (the SIP NOTIFY stand-in): the report arrives
#     by HTTP POST encrypted with the device key, and is stored decrypted;
#   - the server then moves Report_Rule to tftp:// (a device-scope value with
#     {{device.key}}); the next report arrives by TFTP PUT, is saved in
#     reports/ as received (encrypted) and stored decrypted;
#   - `spaprov events --mac M --type report` shows each body decoded, --json
#     carries them; no secret parameter is in any report;
#   - the eavesdropper's capture holds "Salted__" bytes but none of the
#     report's content, the device key or the SIP password;
#   - a POST over Report_Max gets 413 and stores nothing.
set -u
. "$(dirname "$0")/lib/flows.sh"
flows_setup

# ---- the eavesdropper: relays in front of spaprovd's HTTP and TFTP ports ----
relay tcp "$HP" "$T/cap.http"; RH=$RPORT
relay udp "$TP" "$T/cap.tftp"; RT=$RPORT

cat >"$T/conf" <<EOF
HTTP_Port "$HP"; HTTPS_Port "$SP"; TFTP_Port "$TP"; Syslog_Port "$YP";
TFTP_Upload_Max "131072"; Report_Max "65536";
EOF
MAC=000e08c6e001
SN=RP0001
SECRET=sip-S3cret-606
MARK=rep-marker-4711
$CLI --data "$D" device add $MAC SPA2102 --serial $SN || die "device add"
$CLI --data "$D" param set --scope device --target $MAC GPP_B from-server || die "param"
$CLI --data "$D" param set --scope device --target $MAC Password_1_ "$SECRET" || die "param secret"
KEY=$($CLI --data "$D" device show $MAC --secrets) || die "key"

start_provd

# ---- the unit, staged with its key ----
ST="$T/st"
mkdir -p "$ST" && chmod 700 "$ST"
cat >"$ST/config.xml" <<EOF
<flat-profile>
<Profile_Rule>[--key $KEY --post a]http://127.0.0.1:$RH/spa\$MA.cfg</Profile_Rule>
<GPP_A>Product = "\$PN"; MAC_Addr = "\$MA"; Ser_Num = "\$SN";</GPP_A>
<Report_Rule>[--key $KEY]http://127.0.0.1:$RH/spa/\$MA/rep.xml.enc</Report_Rule>
<GPP_D>$MARK</GPP_D>
<Resync_Random_Delay>0</Resync_Random_Delay>
</flat-profile>
EOF
start_spasim sim --model SPA2102 --mac $MAC --serial $SN --state "$ST"

wait_flash() { # fixed string in the unit's config.xml
    for _ in $(seq 100); do
        grep -qF -- "$1" "$ST/config.xml" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# 1. the power-up resync POSTs GPP_A and gets the profile
check "--post: the body is stored as a report event" \
    wait_event $MAC "report +post via http POST /spa$MAC.cfg from 127.0.0.1, [0-9]+ bytes, plain" --type report
check "--post: the profile was answered and applied" wait_flash '<GPP_B ua="na">from-server</GPP_B>'
check "--post: the unit has the SIP password" wait_flash "$SECRET"

# 2. a report over HTTP POST, encrypted with the device key
out=$(spasim ctl "$ST" report 2>&1)
check "spasim ctl report accepted" test "$out" = "ok report requested"
check "HTTP report stored, decrypted with the device key" \
    wait_event $MAC "report +report via http POST /spa/$MAC/rep.xml.enc from 127.0.0.1, [0-9]+ bytes, encrypted, decrypted with the device's key" --type report

# 3. the server moves Report_Rule to TFTP; the next report is a TFTP PUT
$CLI --data "$D" param set --scope device --target $MAC Report_Rule \
    "[--key {{device.key}}]tftp://127.0.0.1:$RT/rep-\$MA.xml" || die "param Report_Rule"
curl -s --max-time 5 "$A/resync" >/dev/null
check "the unit took the TFTP Report_Rule" wait_flash "tftp://127.0.0.1:$RT/rep-\$MA.xml"
out=$(spasim ctl "$ST" report 2>&1)
check "spasim ctl report accepted (TFTP)" test "$out" = "ok report requested"
check "TFTP report stored, decrypted with the device key" \
    wait_event $MAC "report +upload rep-$MAC.xml from 127.0.0.1, [0-9]+ bytes, encrypted, decrypted with the device's key" --type report
check "TFTP report saved as received (encrypted)" \
    bash -c "head -c 8 '$D/reports/rep-$MAC.xml' | grep -q Salted__"

# 4. spaprov events shows them decoded
$CLI --data "$D" events --mac $MAC --type report >"$T/reports.txt" 2>&1
check "events --type report: both reports decoded" \
    test "$(grep -c "<GPP_D ua=\"[a-z]*\">$MARK</GPP_D>" "$T/reports.txt")" -ge 2
check "events --type report: the --post body" has "$T/reports.txt" "MAC_Addr = \"$MAC\"; Ser_Num = \"$SN\";"
check "events --type report: only reports" bash -c "! grep -Eq '  (request|result) ' '$T/reports.txt'"
$CLI --data "$D" events --mac $MAC --type report --json >"$T/reports.json" 2>&1
check "events --json: report bodies" python3 -c '
import json,sys
ev=json.load(open(sys.argv[1]))
n=sum(1 for e in ev if e["kind"]=="report" and sys.argv[2] in e.get("body",""))
sys.exit(0 if n>=2 else 1)' "$T/reports.json" "$MARK"
check "no secret parameter in any report" bash -c "! grep -qF -- '$SECRET' '$T/reports.txt' '$T/reports.json'"
$CLI --data "$D" events --type nope >/dev/null 2>"$T/type.err"
check "events --type nope: exit 2 with the field named" grep -q -- "--type: 'nope' is not" "$T/type.err"

# 5. oversize POST: 413, nothing stored
before=$(grep -c ' report ' "$T/reports.txt")
head -c 70000 /dev/zero | tr '\0' 'x' >"$T/big"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --data-binary @"$T/big" \
    "http://127.0.0.1:$HP/spa/$MAC/rep.xml.enc")
check "POST over Report_Max: 413" test "$code" = 413
sleep 0.2
after=$($CLI --data "$D" events --mac $MAC --type report | grep -c ' report ')
check "POST over Report_Max: nothing stored" test "$before" = "$after"

# 6. the eavesdropper
check "eavesdropper: the HTTP report passed the relay, encrypted" grep -qa "Salted__" "$T/cap.http"
check "eavesdropper: the TFTP report passed the relay, encrypted" grep -qa "Salted__" "$T/cap.tftp"
check "eavesdropper: the TFTP transfer was relayed (WRQ seen)" grep -qa "rep-$MAC.xml" "$T/cap.tftp"
for s in "$MARK" "<flat-profile" "$KEY" "$SECRET"; do
    check "eavesdropper: '${s:0:8}…' not in the captured bytes" \
        bash -c "! grep -qaF -- '$s' '$T/cap.http' '$T/cap.tftp'"
done
check "the key is in no log" bash -c "! grep -qF -- '$KEY' '$T/provd.log' '$T/sim.err'"

flows_end
