#!/bin/bash
# spasim_tftp.sh — spasim against tftpd-hpa on 127.0.0.1: the factory
# default /spa$PSN.cfg via --dhcp-tftp, then the per-device $MA file after a
# restart with the same state directory (power loss), a gzip'd and an
# `openssl enc -aes-256-cbc -md md5` encrypted profile opened with the rule's
# --key, and the fault cases (wrong key, truncated file, 404) that must keep
# the old configuration and report the engine's ERR in the JSON outcome.
# Finally the admin server: /admin/resync?tftp://... via curl, the result
# seen in /admin/spacfg.xml and /admin/status. Every process started here
# has a time limit and is killed at exit. Needs in.tftpd, openssl, gzip,
# curl, ss; skipped (77) without them.
set -u

BUILD=${SPA_BUILD:-}
. "$(dirname "$0")/lib/assert.sh"
. "$(dirname "$0")/lib/peers.sh"
peers_init spasim-tftp

need in.tftpd openssl gzip curl ss
need_spasim

ROOT=$T/root
ST=$T/state
mkdir -p "$ROOT"
P=$(pick_port udp)
start_tftpd "127.0.0.1:$P" "$ROOT" --secure || { echo "FAIL - in.tftpd did not start"; cat "$T/tftpd.log"; exit 1; }

MAC=000e08aabbcc
DEV=(--model SPA2102 --mac $MAC --serial 88012BA01234 --state "$ST")
once() { # name, extra args...; JSON in $T/name.json, exit code in $T/name.rc
    local name=$1; shift
    timeout 60 "$SIM" "${DEV[@]}" --once --timeout 40 "$@" >"$T/$name.json" 2>"$T/$name.err"
    echo $? >"$T/$name.rc"
}
cfg_has() { has "$ST/config.xml" "$1"; }

# ---- 1. factory default via DHCP option 66 ----------------------------------------
cat >"$ROOT/spa2102.cfg" <<EOF
<flat-profile>
  <Profile_Rule>tftp://127.0.0.1:$P/spa\$MA.cfg</Profile_Rule>
  <GPP_A>stage1</GPP_A>
</flat-profile>
EOF
once s1 --dhcp-tftp "127.0.0.1:$P"
check "factory default /spa2102.cfg: exit 0" rc_is s1 0
check "factory default: JSON ok" has "$T/s1.json" '"result":"ok"'
check "factory default: GPP_A saved in the state dir" cfg_has '<GPP_A ua="na">stage1</GPP_A>'
check "factory default: new Profile_Rule saved" cfg_has "tftp://127.0.0.1:$P/spa\$MA.cfg"
check "state file counts the boot" has "$ST/device.state" 'boots=1'

# ---- 2. restart: the per-device file, gzip'd -----------------------------------------
KEY=k3yForTest
cat >"$T/dev.xml" <<EOF
<flat-profile>
  <GPP_B>gzipped</GPP_B>
  <Profile_Rule>[--key $KEY]tftp://127.0.0.1:$P/enc\$MA.cfg</Profile_Rule>
</flat-profile>
EOF
gzip -c "$T/dev.xml" >"$ROOT/spa$MAC.cfg"
once s2
check "restart fetches spa\$MA.cfg (gzip): exit 0" rc_is s2 0
check "gzip profile applied" cfg_has '<GPP_B ua="na">gzipped</GPP_B>'
check "earlier values kept" cfg_has '<GPP_A ua="na">stage1</GPP_A>'
check "state file counts two boots" has "$ST/device.state" 'boots=2'

# ---- 3. encrypted profile ---------------------------------------------------------------
enc() { openssl enc -aes-256-cbc -md md5 -k "$1" -in "$2" -out "$3" 2>/dev/null; }
echo '<flat-profile><GPP_C>encrypted</GPP_C></flat-profile>' >"$T/enc.xml"
enc "$KEY" "$T/enc.xml" "$ROOT/enc$MAC.cfg"
once s3
check "encrypted profile: exit 0" rc_is s3 0
check "encrypted profile applied" cfg_has '<GPP_C ua="na">encrypted</GPP_C>'

# ---- 4. fault cases: old configuration kept ------------------------------------------
echo '<flat-profile><GPP_C>changed</GPP_C></flat-profile>' >"$T/chg.xml"
enc wrongKey "$T/chg.xml" "$ROOT/enc$MAC.cfg"
once f1
check "wrong key: exit 1" rc_is f1 1
check "wrong key: ERR in JSON" has "$T/f1.json" '"err":"wrong key"'
check "wrong key: old value kept" cfg_has '<GPP_C ua="na">encrypted</GPP_C>'

printf '<flat-profile><GPP_C>changed</GPP_C><GPP_D>tr' >"$ROOT/enc$MAC.cfg"
once f2
check "truncated file: exit 1" rc_is f2 1
check "truncated file: ERR in JSON" has "$T/f2.json" '"err":"profile syntax error"'
check "truncated file: old value kept" cfg_has '<GPP_C ua="na">encrypted</GPP_C>'

rm -f "$ROOT/enc$MAC.cfg"
once f3
check "404: exit 1" rc_is f3 1
check "404: ERR in JSON" has "$T/f3.json" '"err":"file not found"'
check "404: old value kept" cfg_has '<GPP_C ua="na">encrypted</GPP_C>'
check "failures counted in the state file" has "$ST/device.state" 'resync_fail=3'
check "no key in stderr or JSON" bash -c "! grep -q '$KEY' '$T'/*.err '$T'/*.json"

# ---- 4a. TFTP timeout; redundant addresses (first dead, second answers) ----------------
DEAD=$(pick_port udp)
mkdir -p "$T/to"
echo "<flat-profile><Profile_Rule>tftp://127.0.0.1:$DEAD/x.cfg</Profile_Rule></flat-profile>" >"$T/to/config.xml"
timeout 60 "$SIM" --mac $MAC --serial 88012BA01234 --state "$T/to" --once --timeout 30 \
    --tftp-timeout 100 --tftp-retries 2 >"$T/to.json" 2>"$T/to.err"
echo $? >"$T/to.rc"
check "TFTP server silent: exit 1" rc_is to 1
check "TFTP server silent: ERR timeout" has "$T/to.json" '"err":"timeout"'
check "TFTP timeout: old configuration kept" has "$T/to/config.xml" "tftp://127.0.0.1:$DEAD/x.cfg"
mkdir -p "$T/rd"
printf '127.0.0.2 prov.test\n127.0.0.1 prov.test\n' >"$T/hosts"
echo '<flat-profile><GPP_E>second-address</GPP_E></flat-profile>' >"$ROOT/rd.cfg"
echo "<flat-profile><Profile_Rule>tftp://prov.test:$P/rd.cfg</Profile_Rule></flat-profile>" >"$T/rd/config.xml"
timeout 60 "$SIM" --mac $MAC --serial 88012BA01234 --state "$T/rd" --once --timeout 30 \
    --hosts "$T/hosts" --tftp-timeout 100 --tftp-retries 2 >"$T/rd.json" 2>"$T/rd.err"
echo $? >"$T/rd.rc"
check "TFTP: first address dead, second answers" rc_is rd 0
check "TFTP: profile from the second address applied" has "$T/rd/config.xml" '<GPP_E ua="na">second-address</GPP_E>'

# ---- 4b. firmware upgrade through Upgrade_Rule -----------------------------------------
head -c 5000 /dev/urandom >"$T/payload.bin"
spc --firmware 5.1.12 --model SPA2102 "$T/payload.bin" "$ROOT/fw.img" >"$T/spc.log" 2>&1
cat >"$T/up.xml" <<EOF
<flat-profile>
  <GPP_C>encrypted</GPP_C>
  <Upgrade_Rule>(\$SWVER lt 5.1.12)? tftp://127.0.0.1:$P/fw.img</Upgrade_Rule>
</flat-profile>
EOF
enc "$KEY" "$T/up.xml" "$ROOT/enc$MAC.cfg"
once u1
check "upgrade: exit 0" rc_is u1 0
check "upgrade: JSON shows the new firmware" has "$T/u1.json" '"swver":"5.1.12"'
check "upgrade: counted" has "$T/u1.json" '"upgrade_ok":1'
check "upgrade: firmware version in flash" has "$ST/device.state" 'swver=5.1.12'
once u2
check "restart after upgrade: exit 0" rc_is u2 0
check "restart runs the new firmware" has "$T/u2.json" '"swver":"5.1.12"'
check "restart: no second upgrade (rule sees \$SWVER)" has "$T/u2.json" '"upgrades":0'
check "upgrade: installed image identity in flash" grep -Eq '^upg_ident=[0-9a-f]{16}$' "$ST/device.state"
check "upgrade: installed version in flash" grep -q '^upg_ver=5.1.12$' "$ST/device.state"
# an unconditional rule naming the same image: a restarted spasim remembers it
# was installed and does not fetch it (the image is gone: a fetch would fail)
sed 's/(\$SWVER lt 5.1.12)? //' "$T/up.xml" >"$T/up2.xml"
enc "$KEY" "$T/up2.xml" "$ROOT/enc$MAC.cfg"
mv "$ROOT/fw.img" "$T/fw.img.away"
once u3
check "restart, same image in an unconditional rule: exit 0" rc_is u3 0
check "restart: the same image is not fetched again" has "$T/u3.json" '"upgrades":0'
check "restart: no upgrade failure" has "$T/u3.json" '"upgrade_fail":0'
mv "$T/fw.img.away" "$ROOT/fw.img"
enc "$KEY" "$T/up.xml" "$ROOT/enc$MAC.cfg"

# ---- 5. admin server: /admin/resync?URL -----------------------------------------------
echo '<flat-profile><GPP_D>from-admin</GPP_D><GPP_SA>adminS3cret</GPP_SA><Resync_Random_Delay>0</Resync_Random_Delay></flat-profile>' >"$ROOT/x.cfg"
timeout 60 "$SIM" "${DEV[@]}" --http 127.0.0.1:0 -v >"$T/run.out" 2>"$T/run.err" &
SPID=$!
PIDS+=($SPID)
AP=$(port_line "$T/run.out")
check "admin server port printed" test -n "$AP"
A="http://127.0.0.1:${AP:-0}/admin"
curl -s --max-time 5 "$A/resync?tftp://127.0.0.1:$P/x.cfg" >"$T/r.txt"
check "/admin/resync accepted" has "$T/r.txt" 'resync requested'
for _ in $(seq 100); do
    curl -s --max-time 5 "$A/spacfg.xml" >"$T/cfg.xml"
    has "$T/cfg.xml" '<GPP_D ua="na">from-admin</GPP_D>' && break
    sleep 0.1
done
check "/admin/spacfg.xml shows the resync's value" has "$T/cfg.xml" '<GPP_D ua="na">from-admin</GPP_D>'
check "/admin/spacfg.xml is a full dump" has "$T/cfg.xml" '<Resync_Periodic'
check "/admin/spacfg.xml lists GPP_SA" grep -q '<GPP_SA' "$T/cfg.xml"
check "/admin/spacfg.xml does not show the secret" bash -c "! grep -q adminS3cret '$T/cfg.xml'"
check "the secret is in the flash (config.xml)" has "$ST/config.xml" 'adminS3cret'
curl -s --max-time 5 "$A/status" >"$T/status.json"
check "/admin/status JSON" has "$T/status.json" '"mac":"000e08aabbcc"'
curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$A/nope" >"$T/nf.txt"
check "unknown admin page: 404" test "$(cat "$T/nf.txt")" = 404
spc --firmware 5.1.13 --model SPA2102 "$T/payload.bin" "$ROOT/fw2.img" >>"$T/spc.log" 2>&1
curl -s --max-time 5 "$A/upgrade?tftp://127.0.0.1:$P/fw2.img" >"$T/u.txt"
check "/admin/upgrade accepted" has "$T/u.txt" 'upgrade requested'
for _ in $(seq 100); do
    curl -s --max-time 5 "$A/status" >"$T/status2.json"
    has "$T/status2.json" '"swver":"5.1.13"' && break
    sleep 0.1
done
check "/admin/upgrade installed 5.1.13" has "$T/status2.json" '"swver":"5.1.13"'
curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$A/upgrade" >"$T/u0.txt"
check "/admin/upgrade without a URL: 403" test "$(cat "$T/u0.txt")" = 403
BOOTS=$(grep -o '"boots":[0-9]*' "$T/status2.json" | cut -d: -f2)
curl -s --max-time 5 "$A/reboot" >"$T/rb.txt"
check "/admin/reboot" has "$T/rb.txt" 'rebooting'
curl -s --max-time 5 "$A/status" >"$T/status3.json"
check "/admin/reboot counts a power-up" has "$T/status3.json" "\"boots\":$((BOOTS + 1))"
kill -TERM $SPID 2>/dev/null
for _ in $(seq 50); do kill -0 $SPID 2>/dev/null || break; sleep 0.1; done
check "SIGTERM stops spasim" bash -c "! kill -0 $SPID 2>/dev/null"
check "the secret never reaches stderr" bash -c "! grep -q adminS3cret '$T/run.err'"
check "state saved by the running device" cfg_has '<GPP_D ua="na">from-admin</GPP_D>'

if [ $FAILS -gt 0 ]; then
    for f in "$T"/*.json "$T"/*.err; do echo "--- $f"; cat "$f"; done
    echo "$FAILS check(s) failed"
    exit 1
fi
echo "all passed"
