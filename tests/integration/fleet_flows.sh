#!/bin/bash
# fleet_flows.sh — issue 7 at fleet scale: 1,000 factory-default units
# (spasim --fleet) through flow 1 (bootstrap over TFTP) and flow 3
# (SEC-PRV-1 over HTTPS with each unit's own certificate, then SEC-PRV-2 over
# plain HTTP, encrypted with the unit's key) against one spaprovd on free
# 127.0.0.1 ports, with 0 failures.
#
# The PKI and the fleet's records are made with the operator's commands
# (`spaprov ca init`, `ca issue-server`, `device import`, `ca issue-device
# --batch` into the folder `spasim --fleet-certs` reads); the units get only
# DHCP option 66 (--dhcp-tftp), the hosts file, the server root and their
# certificates. The device clock runs 1000× (power-up delay 0..40 s, two
# Resync_Periodic 3600 s rounds: about 7 real seconds plus the server's time)
# and the fleet ends by itself once every unit had 3 successful resyncs.
# Asserts: the JSON (0 failures), every device `provisioned` in spaprovd, for
# every unit the three steps in order (its own log: the TFTP bootstrap;
# spaprovd's events: the HTTPS request for the URL only the bootstrap names,
# proved by its certificate, answered with SEC-PRV-1; then the request at its
# random folder answered encrypted), and for a sample of 20 units the flash:
# GPP_A = `spaprov device show --secrets`, GPP_B = its folder, the SEC-PRV-2
# Profile_Rule and the final profile's values; the keys in no log or event.
# lib/fleet_flows.sh has the set-up (shared with bench/boot_storm.sh).
set -u
. "$(dirname "$0")/lib/assert.sh"
. "$(dirname "$0")/lib/fleet_flows.sh"
N=${FLEET_N:-1000}
X=1000
ff_init "$N"
ff_start_provd

# -v: each unit's log lines on stderr ("spasim: MAC: <6> …"), the unit-side
# record of the TFTP bootstrap (syslog datagrams may be dropped in a burst)
ff_fleet run $X 150000 --seed 11 -v
check "fleet: exit 0" [ "$(cat "$T/run.rc")" = 0 ]
check "fleet: $N units powered" [ "$(ff_json run "j['powered']")" = "$N" ]
check "fleet: 0 failed resyncs" [ "$(ff_json run "j['resyncs']['failed']")" = 0 ]
check "fleet: no failure of any kind" [ "$(ff_json run "len(j['failures_by_err'])")" = 0 ]
check "fleet: every unit synced" [ "$(ff_json run "j['units_synced']")" = "$N" ]
check "fleet: at least 3 successful resyncs per unit" \
    [ "$(ff_json run "int(j['resyncs']['succeeded'] >= 3 * $N)")" = 1 ]
check "fleet: result ok" [ "$(ff_json run "j['result']")" = ok ]
check "spaprovd: every device provisioned" [ "$(ff_states)" = "provisioned $N" ]

# ---- the three steps of every unit, in order ------------------------------------------
$CLI --data "$D" --json events --limit 10000000 >"$T/events.json" 2>"$T/events.err"
$CLI --data "$D" --json device list >"$T/devices.json"
python3 - "$T/events.json" "$T/devices.json" "$T/run.err" "$TP" "$SP" "$HP" >"$T/steps.out" <<'PY'
import json, re, sys
ev = sorted(json.load(open(sys.argv[1])), key=lambda e: e['id'])
devs = {d['mac']: d for d in json.load(open(sys.argv[2]))}
tp, sp, hp = sys.argv[4:7]
# unit side: the bootstrap over TFTP through option 66 (the factory rule /spa$PSN.cfg)
boot = set()
pat = re.compile(r'^spasim: ([0-9a-f]{12}): <\d> SPA2102 \S+ -- Successful resync '
                 r'tftp://127\.0\.0\.1:%s/spa2102\.cfg ' % tp)
for line in open(sys.argv[3], errors='replace'):
    m = pat.match(line)
    if m:
        boot.add(m.group(1))
# server side: counts of the generic bootstrap answers
rrq = sum(1 for e in ev if e['kind'] == 'request' and e['text'].startswith('tftp RRQ /spa2102.cfg '))
gen = sum(1 for e in ev if e['kind'] == 'result' and e['text'].startswith('200 bootstrap profile'))
first, second, bad = {}, {}, []
for i, e in enumerate(ev):
    m, t = e['mac'], e['text']
    if e['kind'] != 'request' or m not in devs:
        continue
    nxt = ev[i + 1]['text'] if i + 1 < len(ev) and ev[i + 1]['mac'] == m else ''
    # SEC-PRV-1: the URL only the bootstrap names, over HTTPS, proved by the unit's certificate
    if (t.startswith('https GET /spa%s.cfg from 127.0.0.1 ' % m) and t.endswith(' cert=' + m)
            and nxt.startswith('200 SEC-PRV-1 profile') and m not in first):
        first[m] = e['id']
    # SEC-PRV-2: plain HTTP at its random folder, no MAC on the wire, encrypted
    if (t.startswith('http GET /%s/spa2102.cfg from 127.0.0.1 ' % devs[m]['path'])
            and nxt.endswith('encrypted') and m in first and m not in second):
        second[m] = e['id']
for m in devs:
    if m not in boot or m not in first or m not in second:
        bad.append(m)
print('bootstrap_rrq', rrq)
print('bootstrap_generated', gen)
print('unit_bootstrap', len(boot & set(devs)))
print('secprv1', len(first))
print('secprv2', len(second))
print('missing', ' '.join(bad[:5]))
PY
get() { awk -v k="$1" '$1 == k {print $2}' "$T/steps.out"; }
check "spaprovd: $N TFTP requests for /spa2102.cfg" [ "$(get bootstrap_rrq)" -ge "$N" ]
check "spaprovd: the generic bootstrap served $N times" [ "$(get bootstrap_generated)" -ge "$N" ]
check "every unit: bootstrap over TFTP via option 66 (its log)" [ "$(get unit_bootstrap)" = "$N" ]
check "every unit: then SEC-PRV-1 over HTTPS with its own certificate (events)" \
    [ "$(get secprv1)" = "$N" ]
check "every unit: then SEC-PRV-2 at its folder over plain HTTP, encrypted (events)" \
    [ "$(get secprv2)" = "$N" ]
[ -z "$(get missing)" ] || echo "  e.g. missing: $(get missing)"

# ---- the flash of a sample of 20 units ----------------------------------------------------
SAMPLE=$(python3 -c "
import sys
n, base = int(sys.argv[1]), int(sys.argv[2], 16)
print(' '.join('%012x' % (base + i * n // 20) for i in range(20)))" "$N" "$FF_MAC_BASE")
good=0
: >"$T/keys"
for m in $SAMPLE; do
    key=$($CLI --data "$D" device show "$m" --secrets)
    echo "$key" >>"$T/keys"
    path=$(python3 -c 'import json,sys; print({d["mac"]: d for d in json.load(open(sys.argv[1]))}[sys.argv[2]]["path"])' \
        "$T/devices.json" "$m")
    serial=$(python3 -c 'import json,sys; print({d["mac"]: d for d in json.load(open(sys.argv[1]))}[sys.argv[2]]["serial"])' \
        "$T/devices.json" "$m")
    if python3 - "$T/state/$m/config.xml" "$key" "$path" "$m" "$serial" "$HP" <<'PY'; then
import sys, xml.etree.ElementTree as E
f, key, path, mac, serial, hp = sys.argv[1:]
v = {e.tag: e.text or '' for e in E.parse(f).getroot()}
want = {
    'GPP_A': key, 'GPP_B': path,
    'Profile_Rule': '[--key $A] http://127.0.0.1:%s/$B/spa$PSN.cfg' % hp,
    'User_ID_1_': 'u' + serial, 'Display_Name_1_': 'Fleet ' + mac, 'GPP_C': 'gpp-c-fleet',
}
wrong = [k for k in want if v.get(k) != want[k]]
if wrong:
    print('  %s: wrong %s' % (mac, ' '.join(wrong)))
sys.exit(1 if wrong or len(key) != 64 else 0)
PY
        good=$((good + 1))
    fi
done
check "sample of 20: flash GPP_A = the device key, GPP_B = its folder, the SEC-PRV-2 rule, the final profile's values" \
    [ "$good" = 20 ]
check "every unit's flash: the final profile's GPP_C" \
    [ "$(grep -lF '<GPP_C ua="na">gpp-c-fleet</GPP_C>' "$T"/state/*/config.xml | wc -l)" = "$N" ]
check "no sampled key in spaprovd's log, the fleet's log or the events" \
    bash -c "! grep -qF -f '$T/keys' '$T/provd.log' '$T/run.err' '$T/events.json'"

kill -TERM "$FF_PROVD"
for _ in $(seq 50); do kill -0 "$FF_PROVD" 2>/dev/null || break; sleep 0.1; done
check "spaprovd stops on SIGTERM" bash -c "! kill -0 $FF_PROVD 2>/dev/null"
if [ "$FAILS" -gt 0 ]; then
    cat "$T/run.json"
    tail -5 "$T/run.err"
    tail -5 "$T/provd.log"
    echo "$FAILS check(s) failed"
    exit 1
fi
echo "all passed"
