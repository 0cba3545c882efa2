# The spaprov admin CLI on a temporary database: CSV import (a bad row →
# file:line:col error and nothing imported), parameters at every scope and
# the render showing the merge (device > account > group > model > global),
# unset falling back, --json listings, and bad input rejected with an error
# naming the field and no change. Also --help/--version of both tools.
set -u
command -v python3 >/dev/null || exit 77
CLI=$SPA_BUILD/spaprov
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
S() { "$CLI" --data "$T/data" "$@"; }
# expect_err "needle" cmd...: the command fails and stderr names the problem.
expect_err() {
    local needle=$1; shift
    if "$@" > "$T/out" 2> "$T/err"; then fail "accepted: $*"; fi
    grep -qF -- "$needle" "$T/err" || fail "error for '$*' lacks '$needle': $(cat "$T/err")"
}

"$CLI" --help | grep -q 'usage: spaprov' || fail "spaprov --help"
"$CLI" --version | grep -Eq '^spaprov [0-9]+\.[0-9]+' || fail "spaprov --version"
spaprovd --help | grep -q 'usage: spaprovd' || fail "spaprovd --help"
spaprovd --version | grep -Eq '^spaprovd [0-9]+\.[0-9]+' || fail "spaprovd --version"

S group add g1 --description "first floor" || fail "group add"
S account add 1001 --name "Bob Smith" --number 5551001 || fail "account add"

# Import: a bad file changes nothing and names line and field.
cat > "$T/bad.csv" <<'EOF'
mac,serial,model,account,group
000e08000001,SN1,SPA2102,1001,g1
000e0800000z,SN2,SPA2102,,
000e08000003,SN3,SPA9999,,
EOF
expect_err "bad.csv:3:" S device import "$T/bad.csv"
grep -qF "bad.csv:4:" "$T/err" || fail "second bad row not reported: $(cat "$T/err")"
[ "$(S device list --json)" = "[]" ] || fail "bad import wrote something"

cat > "$T/dev.csv" <<'EOF'
mac,serial,model,account,group
000e08000001,SN1,SPA2102,1001,g1
00:0E:08:00:00:02,SN2,SPA2102,,
000e08000003,SN3,SPA3102,,g1
EOF
S device import "$T/dev.csv" | grep -qx 'imported 3 devices' || fail "import"
S device list --json | python3 -c '
import json,sys
d=json.load(sys.stdin)
assert [x["mac"] for x in d]==["000e08000001","000e08000002","000e08000003"], d
assert d[0]["account"]=="1001" and d[0]["group"]=="g1" and d[1]["group"] is None, d
assert all("key" not in x for x in d), "key listed"
' || fail "device list --json"
expect_err "already" S device import "$T/dev.csv"
expect_err "mac:" S device add zz SPA2102
expect_err "model" S device add 000e08000009 NOPE

# Parameters at each scope.
S param set --scope global Resync_Periodic 3600 || fail "global"
S param set --scope global Proxy_1_ global.example.net || fail "global proxy"
S param set --scope model --target SPA2102 Resync_Periodic 1800 || fail "model"
S param set --scope group --target g1 Proxy_1_ group.example.net || fail "group"
S param set --scope group --target g1 User_ID_1_ '{{account.number}}' || fail "group template"
S param set --scope account --target 1001 Display_Name_1_ 'Bob $MA' || fail "account"
S param set --scope device --target 000e08000001 Resync_Periodic 60 || fail "device"

S render 000e08000001 --decoded > "$T/r1" || fail "render 1"
for line in '<Resync_Periodic>60</Resync_Periodic>' '<Proxy_1_>group.example.net</Proxy_1_>' \
            '<User_ID_1_>5551001</User_ID_1_>' '<Display_Name_1_>Bob $MA</Display_Name_1_>'; do
    grep -qxF "  $line" "$T/r1" || fail "device 1 lacks $line: $(cat "$T/r1")"
done
[ "$(grep -c '^  <' "$T/r1")" = 4 ] || fail "device 1 has extra parameters"
S render 000e08000002 --decoded > "$T/r2" || fail "render 2"
grep -qxF '  <Resync_Periodic>1800</Resync_Periodic>' "$T/r2" || fail "model scope"
grep -qxF '  <Proxy_1_>global.example.net</Proxy_1_>' "$T/r2" || fail "global scope"
[ "$(grep -c '^  <' "$T/r2")" = 2 ] || fail "device 2 has extra parameters"
S render 000e08000003 --decoded > "$T/r3" || fail "render 3"
grep -qxF '  <Resync_Periodic>3600</Resync_Periodic>' "$T/r3" || fail "SPA3102 gets global"
grep -qxF '  <Proxy_1_>group.example.net</Proxy_1_>' "$T/r3" || fail "SPA3102 gets group"

# Unset falls back to the next broader scope.
S param unset --scope device --target 000e08000001 Resync_Periodic || fail "unset"
S render 000e08000001 --decoded | grep -qxF '  <Resync_Periodic>1800</Resync_Periodic>' ||
    fail "unset did not fall back to the model scope"

# Bad input: precise error, nothing changed.
S param list --scope global --json > "$T/before"
expect_err "Resync_Periodic: value 'abc'" S param set --scope global Resync_Periodic abc
expect_err "No_Such_Param" S param set --scope global No_Such_Param 1
expect_err "--scope: 'planet'" S param set --scope planet Resync_Periodic 1
expect_err "--target: required" S param set --scope device Resync_Periodic 1
expect_err "target: device 000e08000099" S param set --scope device --target 000e08000099 \
    Resync_Periodic 1
expect_err "unknown template variable" S param set --scope group --target g1 User_ID_1_ \
    '{{account.numbr}}'
S param list --scope global --json | cmp -s - "$T/before" || fail "a bad set changed something"
S param list --scope global --json | python3 -c '
import json,sys
d=json.load(sys.stdin)
assert {(x["name"],x["value"]) for x in d}=={("Resync_Periodic","3600"),("Proxy_1_","global.example.net")}, d
' || fail "param list --json"
expect_err "account" S account rm 1001
S account list --json | python3 -c '
import json,sys
d=json.load(sys.stdin); assert d==[{"id":"1001","name":"Bob Smith","number":"5551001","pin":"none","pin_expires":None,"pin_device":None}], d
' || fail "account list --json"
S group list --json | python3 -c '
import json,sys
d=json.load(sys.stdin); assert d==[{"name":"g1","description":"first floor"}], d
' || fail "group list --json"
expect_err "--since" S events --since yesterday
expect_err "--mac" S events --mac nonsense

# Remove a device; its profile is gone, the others stay.
S device rm 000e08000002 || fail "device rm"
expect_err "no device" S render 000e08000002 --decoded
[ "$(S device list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 2 ] ||
    fail "device count after rm"
echo ok
