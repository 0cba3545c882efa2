# flow4_rotate.sh — issue 7, flow 4: key and path rotation.
#
# A unit provisioned by SEC-PRV (flow 3) holds key K0 and folder P0.
# `spaprov device rotate-key MAC` makes K1/P1; the unit's next resync, still
# at P0, gets a profile encrypted under K0 that carries GPP_A = K1 and
# GPP_B = P1; the resync after that, at P1 under K1, confirms the rotation,
# and from then on P0 answers 404 and K0 opens nothing. A unit that misses
# two rotations (`rotate-key --all` twice) is still served at the folder it
# knows and recovers. A unit that got a rotation but was rotated again before
# it confirmed (its folder is then unknown: 404) falls back, on its retry
# ($PRVST 2, Secure_Recovery_URL), to SEC-PRV-1 over HTTPS and is re-keyed.
# Errors name the field; nothing secret crosses plain HTTP or syslog
# (spa_relay captures).
set -u
. "$(dirname "$0")/lib/flows.sh"
flows_init
tls_dev
conf 'Secure_Provisioning "yes";' "Secure_URL \"http://127.0.0.1:$RH\";" \
    "Secure_Recovery_URL \"https://prov.test:$SP\";"
OTHER=000e08f1ffff
$CLI --data "$D" device add $MAC SPA2102 --serial $SN &&
    $CLI --data "$D" device add $OTHER SPA2102 --serial OTHER1 &&
    $CLI --data "$D" param set --scope global User_ID_1_ 5554001 &&
    $CLI --data "$D" param set --scope global Resync_Error_Retry_Delay 1 || { echo "FAIL - setup"; exit 1; }
start_provd
S="$T/unit"
mkdir -p "$S" && chmod 700 "$S"
# a unit pointed at the permanent server (by flow 1 or at staging)
printf '<flat-profile><Profile_Rule>https://prov.test:%s/spa$MA.cfg</Profile_Rule></flat-profile>\n' \
    "$SP" >"$S/config.xml"
UA="Linksys/SPA-2102-5.1.10 ($SN)"
get() { curl -s -A "$UA" -o "$2" -w '%{http_code}' "http://127.0.0.1:$HP/$1/spa2102.cfg"; }
opens() { openssl enc -d -aes-256-cbc -md md5 -k "$2" -in "$1" 2>/dev/null | gunzip 2>/dev/null; }
prev_of() { $CLI --data "$D" device show $MAC --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["prev_path"] or "")'; }

sim a "$S" "${TLSDEV[@]}" && sim b "$S" "${TLSDEV[@]}"
check "SEC-PRV-1 then SEC-PRV-2" bash -c "grep -q '\"result\":\"ok\"' '$T/b.json' && [ \$($CLI --data '$D' device show $MAC --json | grep -c provisioned) = 1 ]"
K0=$(key_of); P0=$(path_of)
spacfg "$S" "$T/c0.xml"
check "the unit holds K0/P0" [ "$(val "$T/c0.xml" GPP_A)/$(val "$T/c0.xml" GPP_B)" = "$K0/$P0" ]
check "its Profile_Rule: recovery on a retry, else the folder under the key" \
    [ "$(val "$T/c0.xml" Profile_Rule)" = "(\$PRVST eq 2)? https://prov.test:$SP/spa\$MA.cfg | [--key \$A] http://127.0.0.1:$RH/\$B/spa\$PSN.cfg" ]

# 1. rotate: pending, delivered under the old key at the old folder
check "rotate-key MAC" bash -c "$CLI --data '$D' device rotate-key $MAC | grep -qx 'rotated 1 device'"
K1=$(key_of); P1=$(path_of)
check "new key and folder" [ "$K1" != "$K0" -a "$P1" != "$P0" -a ${#K1} = 64 ]
check "rotation pending: previous folder P0" [ "$(prev_of)" = "$P0" ]
get "$P0" "$T/old.bin" >"$T/code"
check "P0 still answers while pending" [ "$(cat "$T/code")" = 200 ]
opens "$T/old.bin" "$K0" >"$T/old.xml"
check "… under K0, carrying GPP_A=K1 and GPP_B=P1" \
    bash -c "grep -qF '<GPP_A>$K1</GPP_A>' '$T/old.xml' && grep -qF '<GPP_B>$P1</GPP_B>' '$T/old.xml'"
sim c "$S" "${TLSDEV[@]}"
check "resync at P0: ok" has "$T/c.json" '"result":"ok"'
spacfg "$S" "$T/c1.xml"
check "the unit now holds K1/P1" [ "$(val "$T/c1.xml" GPP_A)/$(val "$T/c1.xml" GPP_B)" = "$K1/$P1" ]
check "event: delivered under the previous key" has_event "key rotation delivered under the previous key (key generation 1)"
check "still pending until the unit uses P1" [ "$(prev_of)" = "$P0" ]

# 2. confirmed at P1: the old folder and key stop working
sim d "$S" "${TLSDEV[@]}"
check "resync at P1: ok" has "$T/d.json" '"result":"ok"'
check "event: rotation confirmed" has_event "key rotation confirmed (key generation 1)"
check "request at P1" has_event "http GET /$P1/spa2102.cfg"
check "no previous folder any more" [ "$(prev_of)" = "" ]
check "P0 now 404" [ "$(get "$P0" "$T/x.bin")" = 404 ]
get "$P1" "$T/new.bin" >/dev/null
check "K0 does not open what P1 serves" \
    bash -c "! (openssl enc -d -aes-256-cbc -md md5 -k '$K0' -in '$T/new.bin' 2>/dev/null | gunzip >/dev/null 2>&1)"
check "K1 does" bash -c "openssl enc -d -aes-256-cbc -md md5 -k '$K1' -in '$T/new.bin' 2>/dev/null | gunzip | grep -qF '<GPP_A>$K1</GPP_A>'"

# 3. the unit misses two rotations (--all, twice): served at P1, recovers
check "rotate-key --all" bash -c "$CLI --data '$D' device rotate-key --all | grep -qx 'rotated 2 devices'"
check "rotate-key --all again" bash -c "$CLI --data '$D' device rotate-key --all | grep -qx 'rotated 2 devices'"
K3=$(key_of); P3=$(path_of)
check "two rotations later the unit's folder P1 is still the previous one" [ "$(prev_of)" = "$P1" ]
sim e "$S" "${TLSDEV[@]}"
check "missed rotations: resync at P1 ok" has "$T/e.json" '"result":"ok"'
sim f "$S" "${TLSDEV[@]}"
check "then at P3 ok" has "$T/f.json" '"result":"ok"'
spacfg "$S" "$T/c3.xml"
check "recovered: the unit holds K3/P3" [ "$(val "$T/c3.xml" GPP_A)/$(val "$T/c3.xml" GPP_B)" = "$K3/$P3" ]
check "confirmed at generation 3" has_event "key rotation confirmed (key generation 3)"
check "user data still applied" [ "$(val "$T/c3.xml" User_ID_1_)" = 5554001 ]

# 4. delivered but not yet confirmed, then rotated again: the unit's folder
#    P4 is unknown (404); its retry goes to SEC-PRV-1 over HTTPS: re-keyed
$CLI --data "$D" device rotate-key $MAC >/dev/null
K4=$(key_of); P4=$(path_of)
sim g "$S" "${TLSDEV[@]}"
spacfg "$S" "$T/c4.xml"
check "rotation delivered: the unit holds K4/P4" [ "$(val "$T/c4.xml" GPP_A)/$(val "$T/c4.xml" GPP_B)" = "$K4/$P4" ]
$CLI --data "$D" device rotate-key $MAC >/dev/null
check "rotated again before the unit confirmed: P4 is no folder now" \
    [ "$(get "$P4" "$T/x.bin")" = 404 ]
sim h "$S" "${TLSDEV[@]}"
check "the unit's resync at P4 failed: file not found (its syslog line)" \
    has_event "Resync failed: file not found"
check "spaprovd saw the request for the unknown folder" \
    bash -c "$CLI --data '$D' events --limit 5000 | grep -F 'http GET /$P4/spa2102.cfg' | grep -q ."
check "its retry asked for SEC-PRV-1 over HTTPS and was re-keyed" \
    has_event "SEC-PRV-1 again: re-keyed"
K6=$(key_of); P6=$(path_of)
spacfg "$S" "$T/c6.xml"
check "recovered: the unit holds the server's current pair" \
    [ "$(val "$T/c6.xml" GPP_A)/$(val "$T/c6.xml" GPP_B)" = "$K6/$P6" ]
sim i "$S" "${TLSDEV[@]}"
check "and resyncs at its new folder again" has "$T/i.json" '"result":"ok"'
check "request at the new folder" has_event "http GET /$P6/spa2102.cfg"

# 5. errors name the field and change nothing
$CLI --data "$D" device rotate-key zz 2>"$T/e1" && bad "bad MAC accepted"
check "bad MAC named" grep -qF "mac: 'zz' is not a MAC address" "$T/e1"
$CLI --data "$D" device rotate-key 000e08000bad 2>"$T/e2" && bad "unknown device accepted"
check "unknown device named" grep -qF "no such device '000e08000bad'" "$T/e2"
$CLI --data "$D" device rotate-key 2>"$T/e3"
check "no MAC and no --all: usage, exit 2" [ $? = 2 ]
check "nothing changed" [ "$(key_of)" = "$K6" ]

# 6. the eavesdropper
CAPS=("$T/http.cap" "$T/syslog.cap")
for k in K0 K1 K3 K4 K6; do no_secret "$k" "${!k}" "${CAPS[@]}"; done
no_secret "User_ID_1_" 5554001 "${CAPS[@]}"
flows_end
