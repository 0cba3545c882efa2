#!/usr/bin/env bash
# spc_batch.sh — `spc --batch` against what providers run today: a shell
# loop of `sed | gzip | openssl enc` per device, both producing the same kind
# of files (per-device XML, gzip, AES-256-CBC `-md md5`, spa<mac>.cfg), in
# one run; and against the raw in-memory zlib + AES throughput of the same
# profile (bench/raw_zlib_aes.c, plain zlib/EVP calls, same thread count).
#
# usage: bench/spc_batch.sh [BUILD_DIR]
# env:   DEVICES (10000)  SIZES ("line1 full")  JOBS (nproc)
#        REPEAT (3): spc and raw run this many times, the best run counts
#        (the shell loop, ~10 ms a device, runs once)
#        BENCH_DIR (a tmpfs under /dev/shm when writable, so that both sides
#        measure compiling and not the disk; set it to test a real disk)
# Targets (DESIGN.md): >= 20x the shell loop; within 2x of raw zlib+AES.
set -eu
B=${1:-build}
SPC=$B/spc
RAW=$B/raw_zlib_aes
N=${DEVICES:-10000}
J=${JOBS:-$(nproc 2>/dev/null || echo 2)}
SIZES=${SIZES:-"line1 full"}
R=${REPEAT:-3}
KEY=BenchPhrase1234
for t in "$SPC" "$RAW"; do [ -x "$t" ] || { echo "missing $t (build first)"; exit 1; }; done
for t in openssl gzip sed awk; do command -v $t >/dev/null || { echo "missing $t"; exit 1; }; done

if [ -z "${BENCH_DIR:-}" ] && [ -w /dev/shm ]; then BENCH_DIR=$(mktemp -d /dev/shm/spc-bench.XXXXXX)
else BENCH_DIR=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/spc-bench.XXXXXX"); fi
W=$BENCH_DIR
trap 'rm -rf "$W"' EXIT
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }

# Devices: MAC, a $NAME macro column, two parameter columns.
awk -v n="$N" 'BEGIN { print "MAC,NAME,User_ID[1],Password[1]";
    for (i = 0; i < n; i++) printf "000e08%06x,User %d,%d,pw%06d\n", i, i, 1000 + i, i }' > "$W/devices.csv"
"$SPC" --sample-profile "$W/full.txt"

echo "spc --batch vs shell loop vs raw zlib+AES: $N devices, $J threads, output in $W"
echo "host: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(openssl version | cut -d' ' -f1-2)"
for size in $SIZES; do
    case $size in
    full)  cp "$W/full.txt" "$W/base.txt" ;;
    line1) grep -E '\[1\]|^(Resync|Profile_Rule|Upgrade|Provision|Report_Rule|Log_|GPP_[A-P] )' \
               "$W/full.txt" > "$W/base.txt" ;;
    *) echo "unknown size $size"; exit 1 ;;
    esac
    # spc's template uses $NAME; the shell loop's uses @-placeholders for sed.
    sed 's/^Display_Name\[1\] .*/Display_Name[1] "$NAME" ;/' "$W/base.txt" > "$W/tmpl.txt"
    { sed 's/^Display_Name\[1\] .*/Display_Name[1] "@NAME@" ;/' "$W/base.txt"
      echo 'User_ID[1] "@UID@" ;'; echo 'Password[1] "@PW@" ;'; } > "$W/loop.txt"
    "$SPC" --xml "$W/loop.txt" "$W/loop.xml"
    params=$(grep -c ';' "$W/base.txt")

    rm -rf "$W/spc" "$W/loop"; mkdir -p "$W/loop"
    best=""
    for r in $(seq "$R"); do
        rm -rf "$W/spc"
        a=$(now)
        "$SPC" --batch "$W/tmpl.txt" --devices "$W/devices.csv" --out-dir "$W/spc" --key "$KEY" \
            -j "$J" 2> "$W/spc.log" || { cat "$W/spc.log"; exit 1; }
        e=$(calc "%.6f" "$(now) - $a")
        if [ -z "$best" ] || [ "$(calc "%d" "($e < $best)")" = 1 ]; then best=$e; fi
    done
    t0=0; t1=$best
    t1a=$(now)
    tail -n +2 "$W/devices.csv" | while IFS=, read -r mac name uid pw; do
        sed -e "s/@NAME@/$name/" -e "s/@UID@/$uid/" -e "s/@PW@/$pw/" "$W/loop.xml" | gzip |
            openssl enc -e -aes-256-cbc -md md5 -k "$KEY" -out "$W/loop/spa$mac.cfg" 2>/dev/null
    done
    t2=$(calc "%.6f" "$t1 + $(now) - $t1a")

    # Same files? Decode one of each and compare the XML.
    last=$(printf '000e08%06x' $((N - 1)))
    "$SPC" --decode --key "$KEY" "$W/spc/spa$last.cfg" "$W/a.xml"
    "$SPC" --decode --key "$KEY" "$W/loop/spa$last.cfg" "$W/b.xml"
    cmp -s "$W/a.xml" "$W/b.xml" && same="identical" || same="DIFFERENT"
    nspc=$(ls "$W/spc" | wc -l); nloop=$(ls "$W/loop" | wc -l)
    xml=$(stat -c %s "$W/a.xml")
    raw_mbs=0
    for r in $(seq "$R"); do
        "$RAW" "$W/a.xml" "$N" "$J" > "$W/raw1.log"
        m=$(sed -n 's/.* \([0-9.]*\) MB\/s XML in.*/\1/p' "$W/raw1.log")
        if [ "$(calc "%d" "($m > $raw_mbs)")" = 1 ]; then raw_mbs=$m; cp "$W/raw1.log" "$W/raw.log"; fi
    done

    spc_s=$(calc "%.3f" "$t1 - $t0"); loop_s=$(calc "%.3f" "$t2 - $t1")
    spc_mbs=$(calc "%.1f" "$xml * $N / 1e6 / ($t1 - $t0)")
    loop_mbs=$(calc "%.1f" "$xml * $N / 1e6 / ($t2 - $t1)")
    echo
    echo "== template '$size': $params parameters, $xml bytes of XML per device"
    echo "spc --batch -j $J : best of $R: $nspc files in $spc_s s = $(calc "%.0f" "$N / ($t1 - $t0)") devices/s, $spc_mbs MB/s XML"
    echo "shell loop      : $nloop files in $loop_s s = $(calc "%.0f" "$N / ($t2 - $t1)") devices/s, $loop_mbs MB/s XML"
    echo "raw zlib+AES    : best of $R: $(sed 's/^raw: //' "$W/raw.log")"
    echo "spc vs shell loop: $(calc "%.1f" "($t2 - $t1) / ($t1 - $t0)")x faster (target >= 20x)"
    echo "raw vs spc       : $(calc "%.2f" "$raw_mbs / $spc_mbs")x (target <= 2x)"
    echo "decoded last device from both: $same"
    grep '^spc: batch:' "$W/spc.log" | sed 's/^/spc says: /'
    rm -rf "$W/spc" "$W/loop"
done
