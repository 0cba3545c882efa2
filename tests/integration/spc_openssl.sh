#!/usr/bin/env bash
# spc_openssl.sh — spc's open format against the real openssl and gzip CLIs,
# both directions (guide §2.3–2.4, DESIGN decision 4): what spc encrypts,
# `openssl enc -d -aes-256-cbc -md md5 -k K | gunzip` reads back; what
# `openssl enc` (-md md5 and -md sha256) and `gzip` write, `spc --decode`
# reads; wrong keys and damaged files exit 2 with no output file.
set -u
command -v spc >/dev/null || { echo "spc not on PATH"; exit 1; }
command -v openssl >/dev/null || { echo "no openssl CLI: skipped"; exit 77; }
command -v gzip >/dev/null || { echo "no gzip: skipped"; exit 77; }

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib/assert.sh"

cat > "$T/src.txt" <<'EOF'
# a small SPC source
Resync_Periodic ! "3600" ;
Profile_Rule "[--key $SA] https://prov.example.com/spa$MA.cfg" ;
Proxy[1] ? "sip.example.com" ;
Display_Name[1] "Front Desk <1>" ;
EOF
K=SecretPhrase1234

# Canonical XML of the source (the reference every round trip must equal).
spc --xml "$T/src.txt" "$T/ref.xml" || bad "spc --xml"
check "canonical XML has the escaped value" grep -q 'Front Desk &lt;1&gt;' "$T/ref.xml"

# 1. spc --xml --gzip --key → openssl enc -d -md md5 | gunzip
spc --xml --gzip --key "$K" "$T/src.txt" "$T/e.cfg"
check "spc output starts with Salted__" test "$(head -c 8 "$T/e.cfg")" = "Salted__"
openssl enc -d -aes-256-cbc -md md5 -k "$K" -in "$T/e.cfg" 2>/dev/null | gunzip > "$T/e.xml"
check "openssl -md md5 | gunzip gives the same XML" cmp -s "$T/e.xml" "$T/ref.xml"

# --md sha256 output decrypts with openssl's -md sha256
spc --xml --key "$K" --md sha256 "$T/src.txt" "$T/e256.cfg"
openssl enc -d -aes-256-cbc -md sha256 -k "$K" -in "$T/e256.cfg" -out "$T/e256.xml" 2>/dev/null
check "openssl -md sha256 reads spc --md sha256" cmp -s "$T/e256.xml" "$T/ref.xml"

# Two runs use different salts.
spc --xml --gzip --key "$K" "$T/src.txt" "$T/e2.cfg"
check "each file gets a fresh random salt" test "$(head -c 16 "$T/e.cfg" | od -An -tx1)" != "$(head -c 16 "$T/e2.cfg" | od -An -tx1)"

# 2. openssl / gzip made by hand → spc --decode
gzip -c "$T/ref.xml" > "$T/h.xml.gz"
openssl enc -e -aes-256-cbc -md md5 -k "$K" -in "$T/h.xml.gz" -out "$T/h_md5.cfg" 2>/dev/null
openssl enc -e -aes-256-cbc -md sha256 -k "$K" -in "$T/h.xml.gz" -out "$T/h_sha.cfg" 2>/dev/null
openssl enc -e -aes-256-cbc -md md5 -k "$K" -in "$T/ref.xml" -out "$T/h_plain.cfg" 2>/dev/null
for f in h_md5.cfg h_sha.cfg h_plain.cfg h.xml.gz; do
    rm -f "$T/out.xml"
    spc --decode --key "$K" "$T/$f" "$T/out.xml"
    rc=$?
    check "spc --decode $f exits 0" test "$rc" -eq 0
    check "spc --decode $f gives the same XML" cmp -s "$T/out.xml" "$T/ref.xml"
done
# gzip in place, as the guide's example 2-7
cp "$T/ref.xml" "$T/inplace.xml" && gzip "$T/inplace.xml"
spc --decode "$T/inplace.xml.gz" "$T/out2.xml"
check "spc --decode reads 'gzip file' output" cmp -s "$T/out2.xml" "$T/ref.xml"
# back to text
spc --decode --text --key "$K" "$T/h_md5.cfg" "$T/out.txt"
check "--text gives plain-text source" grep -q '^Proxy\[1\] ? "sip.example.com" ;' "$T/out.txt"

# 3. wrong key / corrupt / missing key: exit 2, the message, no output file
rm -f "$T/no.xml"
spc --decode --key WrongPhrase "$T/h_md5.cfg" "$T/no.xml" 2> "$T/err"
rc=$?
check "wrong key exits 2" test "$rc" -eq 2
check "wrong key says 'wrong key'" grep -q 'wrong key' "$T/err"
check "wrong key writes no file" test ! -e "$T/no.xml"
check "the key is never printed" bash -c "! grep -q -e '$K' -e WrongPhrase '$T/err'"

spc --decode "$T/h_md5.cfg" "$T/no.xml" 2> "$T/err"
check "missing key exits 2" test $? -eq 2
check "missing key says 'wrong key'" grep -q 'wrong key' "$T/err"

# Damage in the last block (padding) and in the middle.
cp "$T/h_md5.cfg" "$T/dmg.cfg"
size=$(stat -c %s "$T/dmg.cfg")
printf '\xff' | dd of="$T/dmg.cfg" bs=1 seek=$((size - 1)) conv=notrunc status=none
spc --decode --key "$K" "$T/dmg.cfg" "$T/no.xml" 2> "$T/err"
check "damaged last block exits 2" test $? -eq 2
check "damaged last block says 'corrupt file'" grep -q 'corrupt file' "$T/err"
check "damaged file writes no file" test ! -e "$T/no.xml"

cp "$T/h_md5.cfg" "$T/dmg2.cfg"
printf '\x00\x00\x00\x00' | dd of="$T/dmg2.cfg" bs=1 seek=40 conv=notrunc status=none
spc --decode --key "$K" "$T/dmg2.cfg" "$T/no.xml" 2> "$T/err"
check "damaged middle exits 2" test $? -eq 2
check "damaged middle says 'corrupt file'" grep -q 'corrupt file' "$T/err"

head -c 40 "$T/h.xml.gz" > "$T/trunc.gz"
spc --decode "$T/trunc.gz" "$T/no.xml" 2> "$T/err"
check "truncated gzip exits 2 'corrupt file'" bash -c "test $? -eq 2 && grep -q 'corrupt file' '$T/err'"
check "no output after failures" test ! -e "$T/no.xml"

# Encrypted-then-compressed (the wrong order) is not a profile.
gzip -c "$T/h_plain.cfg" > "$T/wrong_order.gz"
spc --decode --key "$K" "$T/wrong_order.gz" "$T/no.xml" 2> "$T/err"
check "encrypt-then-gzip is corrupt (exit 2)" test $? -eq 2

# Permissions: encrypted output is publishable, clear output is private.
check "encrypted output is not 0600" test "$(stat -c %a "$T/e.cfg")" != 600
check "decoded clear output is 0600" test "$(stat -c %a "$T/out.xml")" = 600

echo "$FAILS failure(s)"
[ "$FAILS" -eq 0 ]
