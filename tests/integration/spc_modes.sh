#!/usr/bin/env bash
# spc_modes.sh — the spc command line end to end: every binary CFG mode
# round-trips through --decode, targeted files refuse other MACs, samples
# for several models, --batch with a bad row, --lint exit codes with
# file:line:col diagnostics and --json, --help/--version.
set -u
command -v spc >/dev/null || { echo "spc not on PATH"; exit 1; }

T=$(mktemp -d)
K=SecretPhrase1234
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib/assert.sh"

cat > "$T/base.txt" <<'EOF'
Resync_Periodic "3600" ;
EOF
cat > "$T/src.txt" <<'EOF'
import base.txt
Resync_Periodic ! "7200" ;
Profile_Rule "http://prov.example.com/spa$MA.cfg" ;
Proxy[1] ? "sip.example.com" ;
Dial_Plan[1] "(*xx|[3469]11|0|00|[2-9]xxxxxx|1xxx[2-9]xxxxxxS0|xxxxxxxxxxxx.)" ;
EOF
spc --xml "$T/src.txt" "$T/ref.xml" || bad "spc --xml"
check "import was honoured (last wins)" grep -q '<Resync_Periodic ua="rw">7200<' "$T/ref.xml"

# --- every binary CFG mode: args to compile | args to decode ---
modes=(
  "|"
  "--scramble SomeSecretPhrase|"
  "--target 000e08aabbcc|--mac 00:0E:08:AA:BB:CC"
  "--aes --ascii-key apple4sale|--key apple4sale"
  "--aes --hex-key 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff|--key 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
  "--rc4 --ascii-key apple4sale|--key apple4sale"
  "--rc4 --hex-key 0badc0de|--key 0badc0de"
  "--ascii-key impliesaes|--key impliesaes"
  "--target 000e08aabbcc --aes --ascii-key k1|--key k1 --mac 000e08aabbcc"
  "--target 000e08aabbcc --rc4 --hex-key abcd|--key abcd --mac 000e08aabbcc"
)
i=0
for m in "${modes[@]}"; do
    i=$((i + 1))
    enc=${m%%|*}
    dec=${m#*|}
    # shellcheck disable=SC2086
    spc $enc "$T/src.txt" "$T/m$i.cfg" 2> "$T/err"
    check "mode [$enc] compiles" test $? -eq 0
    check "mode [$enc] writes the container magic" test "$(head -c 4 "$T/m$i.cfg" | od -An -tx1 | tr -d ' ')" = 89535043
    # shellcheck disable=SC2086
    spc --decode $dec "$T/m$i.cfg" "$T/m$i.xml"
    check "mode [$enc] round-trips" cmp -s "$T/m$i.xml" "$T/ref.xml"
    case "$enc" in
    *rc4*) check "mode [$enc] warns that RC4 is weak" grep -q 'RC4 is weak' "$T/err" ;;
    esac
    case "$enc" in
    *key*) check "mode [$enc] never prints the key" bash -c "! grep -q -e apple4sale -e 0badc0de '$T/err'" ;;
    esac
done

# Targeted file for another MAC, wrong keys, damage: exit 2, nothing written.
spc --decode --mac 000e08aabbcd "$T/m3.cfg" "$T/no.xml" 2> "$T/err"
check "targeted file refuses another MAC (exit 2)" test $? -eq 2
check "... and says wrong key" grep -q 'wrong key' "$T/err"
spc --decode --key pear "$T/m4.cfg" "$T/no.xml" 2> "$T/err"
check "AES container with a wrong key: exit 2" test $? -eq 2
check "... says wrong key" grep -q 'wrong key' "$T/err"
cp "$T/m4.cfg" "$T/dmg.cfg"
printf '\x55' | dd of="$T/dmg.cfg" bs=1 seek=100 conv=notrunc status=none
spc --decode --key apple4sale "$T/dmg.cfg" "$T/no.xml" 2> "$T/err"
check "damaged container: exit 2" test $? -eq 2
check "... says corrupt file" grep -q 'corrupt file' "$T/err"
check "no output file after failures" test ! -e "$T/no.xml"
check "an unkeyed container is private (0600)" test "$(stat -c %a "$T/m1.cfg")" = 600

# --- samples ---
for model in SPA2102 SPA941 PAP2T; do
    spc --sample-profile "$T/s_$model.txt" --model "$model"
    check "sample-profile $model" test -s "$T/s_$model.txt"
    spc --sample-xml "$T/s_$model.xml" --model "$model"
    check "sample-xml $model is XML" grep -q '^<flat-profile>' "$T/s_$model.xml"
    spc --lint --model "$model" "$T/s_$model.txt" > "$T/lint.out" 2>&1
    check "sample-profile $model lints clean" test $? -eq 0
done
check "SPA941 has a fourth extension" grep -q 'Extension_4_\|_4_' "$T/s_SPA941.xml"
check "default model sample has Profile_Rule /spa\$PSN.cfg" grep -q '<Profile_Rule ua="na">/spa\$PSN.cfg</Profile_Rule>' "$T/s_SPA2102.xml"
spc --sample-xml "$T/x.xml" --model NoSuchModel 2> "$T/err"
check "unknown model: exit 1" test $? -eq 1

# --- lint ---
cat > "$T/bad.txt" <<'EOF'
Resync_Periodc "3600" ;
Resync_Periodic "abc" ;
Profile_Rule "( $SWVER ne 2.0 )? http://x/$SA.cfg" ;
Provision_Enable "No" ;
EOF
spc --lint "$T/bad.txt" > "$T/lint.out" 2> "$T/lint.err"
check "lint with errors exits 1" test $? -eq 1
check "unknown name with did-you-mean at 1:1" grep -q "bad.txt:1:1: error: unknown parameter 'Resync_Periodc'.*did you mean 'Resync_Periodic'" "$T/lint.out"
check "type error points at the value (2:18)" grep -q 'bad.txt:2:18: error: .*Resync_Periodic' "$T/lint.out"
check "\$SA outside --key at 3:43" grep -q 'bad.txt:3:43: error: \$SA used outside a --key' "$T/lint.out"
check "Provision_Enable lock-out" grep -q 'bad.txt:4:1: error: Provision_Enable is disabled' "$T/lint.out"
spc --lint --json "$T/bad.txt" > "$T/lint.json"
check "--json exits 1 too" test $? -eq 1
check "--json has line/col/code" grep -q '"line":1,"col":1,"severity":"error","code":"unknown-param"' "$T/lint.json"
if command -v python3 >/dev/null; then
    check "--json is valid JSON" python3 -c "import json,sys; assert len(json.load(open(sys.argv[1]))) >= 4" "$T/lint.json"
fi
spc --lint "$T/src.txt" > "$T/lint.out" 2>&1
check "a good source lints clean (exit 0)" test $? -eq 0
printf 'Resync_Periodic "3600"\n' > "$T/syntax.txt"
spc --lint "$T/syntax.txt" > "$T/lint.out" 2>&1
check "syntax error exits 1" test $? -eq 1
check "syntax error has file:line:col" grep -q 'syntax.txt:[0-9]*:[0-9]*: error' "$T/lint.out"
printf '<flat-profile>\n <Profile_Rule>#http://a/b</Profile_Rule>\n</flat-profile>\n' > "$T/empty.xml"
spc --lint "$T/empty.xml" > "$T/lint.out" 2>&1
check "emptied Profile_Rule is a lock-out error" grep -q 'empty.xml:2:.*error: every Profile_Rule is empty' "$T/lint.out"
spc --lint --key apple4sale "$T/m4.cfg" > "$T/lint.out" 2>&1
check "lint reads containers with --key" test $? -eq 0

# --- batch ---
cat > "$T/tmpl.txt" <<'EOF'
Profile_Rule "[--key $SA] https://prov.example.com/spa$MA.cfg" ;
Display_Name[1] "$NAME" ;
Proxy[1] "sip.example.com" ;
EOF
cat > "$T/dev.csv" <<'EOF'
MAC,NAME,User_ID[1],Station_Name
000e08000001,"Alice, front desk",1001,desk1
000e08000002,Bob,1002,desk2
not-a-mac,Carol,1003,desk3
00:0e:08:00:00:04,Dave,1004,desk4
EOF
spc --batch "$T/tmpl.txt" --devices "$T/dev.csv" --out-dir "$T/out" --key "$K" -j 2 > "$T/b.out" 2> "$T/b.err"
rc=$?
check "batch exit status = failed rows (1)" test "$rc" -eq 1
check "bad row names its line (4)" grep -q 'dev.csv:4:.*not-a-mac' "$T/b.err"
check "summary line" grep -q 'spc: batch: 3 of 4 devices compiled, 1 failed' "$T/b.err"
check "three files written" test "$(ls "$T/out" | wc -l)" -eq 3
spc --decode --key "$K" "$T/out/spa000e08000001.cfg" "$T/d1.xml"
check "per-device file decodes" test $? -eq 0
check "column parameter applied" grep -q '<User_ID_1_>1001</User_ID_1_>' "$T/d1.xml"
check "\$NAME macro column expanded" grep -q '<Display_Name_1_ ua="na">Alice, front desk</Display_Name_1_>' "$T/d1.xml"
check "device macros left for the unit" grep -q 'spa\$MA.cfg' "$T/d1.xml"
check "\$SA left for the unit" grep -q -- '--key \$SA' "$T/d1.xml"
check "MAC with colons normalised" test -e "$T/out/spa000e08000004.cfg"
openssl enc -d -aes-256-cbc -md md5 -k "$K" -in "$T/out/spa000e08000002.cfg" 2>/dev/null | gunzip > "$T/d2.xml"
check "batch output is openssl + gzip compatible" grep -q '<User_ID_1_>1002</User_ID_1_>' "$T/d2.xml"

printf 'MAC,User_ID[1],PW\n000e08000010,1,pw-a\n000e08000011,2,\n000e08000010,3,pw-c\n' > "$T/dev2.csv"
spc --batch "$T/tmpl.txt" --devices "$T/dev2.csv" --out-dir "$T/out2" --key-column PW 2> "$T/b.err"
check "empty key and duplicate MAC: 2 failed" test $? -eq 2
check "duplicate MAC named" grep -q 'dev2.csv:4:.*already given on line 2' "$T/b.err"
check "keys never printed" bash -c "! grep -q 'pw-' '$T/b.err'"
spc --decode --key pw-a "$T/out2/spa000e08000010.cfg" "$T/d3.xml"
check "per-device key column" test $? -eq 0

printf 'NAME\nx\n' > "$T/nomac.csv"
spc --batch "$T/tmpl.txt" --devices "$T/nomac.csv" --out-dir "$T/out3" --key k 2> "$T/b.err"
check "CSV without MAC column: exit 126" test $? -eq 126

# --- firmware images ---
head -c 5000 /dev/urandom > "$T/payload.bin"
spc --firmware 5.1.12 --model SPA3102 "$T/payload.bin" "$T/fw.bin"
check "--firmware builds an image" test $? -eq 0
spc --firmware-info "$T/fw.bin" > "$T/fw.info"
check "--firmware-info names model, version, size" \
    diff -u "$T/fw.info" <(printf 'model SPA3102\nversion 5.1.12\npayload 5000 bytes\n')
cp "$T/fw.bin" "$T/fw-bad.bin"
printf '\x55' | dd of="$T/fw-bad.bin" bs=1 seek=2000 conv=notrunc 2>/dev/null
spc --firmware-info "$T/fw-bad.bin" > /dev/null 2> "$T/fw.err"
check "damaged image: exit 2" test $? -eq 2
check "damaged image named" grep -q 'digest mismatch' "$T/fw.err"
spc --firmware 5.x "$T/payload.bin" "$T/fw2.bin" 2> /dev/null
check "bad version is a usage error (1)" test $? -eq 1
check "no image written for a bad version" test ! -e "$T/fw2.bin"

# --- help, version, usage ---
spc --help > "$T/help" && check "--help mentions --batch" grep -q -- '--batch' "$T/help"
spc --version | grep -q '^spc (spaprov) ' && ok "--version" || bad "--version"
spc "$T/src.txt" > /dev/null 2>&1
check "one file name is a usage error (1)" test $? -eq 1
spc --bogus > /dev/null 2>&1
check "unknown option is a usage error (1)" test $? -eq 1

echo "$FAILS failure(s)"
[ "$FAILS" -eq 0 ]
