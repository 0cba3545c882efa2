# kill -9 around `spaprov device import` of 10,000 devices (--batch 100:
# each batch of 100 rows is one transaction, docs/store.md):
#  1. spaprovd is serving (and writing events) while the import runs;
#     spaprovd is killed with SIGKILL mid-import: the import completes, the
#     events spaprovd committed are kept, the database is intact.
#  2. A second import of 10,000 more is itself killed with SIGKILL mid-way:
#     PRAGMA integrity_check is ok, every device row is complete (key, path,
#     model, serial), and the devices present are exactly a committed prefix
#     of the file (whole batches, in file order).
#  3. A restarted spaprovd serves a device of that prefix.
#  4. Re-running the import: without --replace it is refused with one error
#     per existing device and writes nothing; with --replace it completes to
#     20,000 and keeps the keys the devices already had.
set -u
command -v python3 >/dev/null && command -v curl >/dev/null && command -v openssl >/dev/null ||
    exit 77
python3 -c 'import sqlite3' 2>/dev/null || exit 77
source "$SPA_SRC/tests/integration/lib/assert.sh"
CLI=$SPA_BUILD/spaprov
. "$(dirname "$0")/lib/peers.sh"
peers_init spaprovd-import-kill
fail() { echo "FAIL: $*"; [ -f "$T/log" ] && sed 's/^/  log: /' "$T/log" | tail -20; exit 1; }
D="$T/data"
DB="$D/spaprov.db"
BATCH=100

# Two CSVs of 10,000 devices each (several models), disjoint MACs.
python3 - "$T" <<'PY'
import sys
models = ["SPA2102", "PAP2T", "SPA3102", "SPA941", "SPA962"]
for part, base in (("a", 0x000e08100000), ("b", 0x000e08200000)):
    with open(f"{sys.argv[1]}/{part}.csv", "w") as f:
        f.write("mac,model,serial\n")
        for i in range(10000):
            f.write(f"{base + i:012x},{models[i % len(models)]},SN{part.upper()}{i:06d}\n")
PY

q() { python3 -c "import sqlite3,sys;c=sqlite3.connect('file:$DB?mode=ro',uri=True,timeout=10);print(c.execute(sys.argv[1]).fetchone()[0])" "$1"; }
# Wait until the device count is above $1 (the import is writing), at most 60 s.
wait_count_above() {
    python3 - "$DB" "$1" <<'PY'
import sqlite3, sys, time
db, above = sys.argv[1], int(sys.argv[2])
end = time.time() + 60
while time.time() < end:
    try:
        c = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        n = c.execute("SELECT count(*) FROM devices").fetchone()[0]
        c.close()
        if n > above:
            print(n); sys.exit(0)
    except sqlite3.Error:
        pass
    time.sleep(0.005)
sys.exit(1)
PY
}
complete_rows() { # devices with every field a device must have
    q "SELECT count(*) FROM devices WHERE length(key) = 64 AND length(path) = 32 AND model <> '' AND serial LIKE 'SN%' AND key_gen >= 0"
}

read -r HP TP < <(pick_ports tcp udp)
printf 'HTTP_Port "%s"; HTTPS_Port "0"; TFTP_Port "%s"; Syslog_Port "0";\n' "$HP" "$TP" > "$T/conf"
$CLI --data "$D" device add 000e08000001 SPA2102 --serial SN0001 || fail "device add"

# ---- 1. spaprovd killed during the import ------------------------------------
start_spaprovd "$T/conf" "$D" "$HP" || fail "spaprovd did not start"
# a steady stream of requests: spaprovd writes request/result events meanwhile
( while :; do curl -s -o /dev/null -m 2 "http://127.0.0.1:$HP/spa000e08000001.cfg"; done ) &
LPID=$!
PIDS+=($LPID)
$CLI --data "$D" device import "$T/a.csv" --batch $BATCH > "$T/imp1" 2>&1 &
IPID=$!
PIDS+=($IPID)
n=$(wait_count_above 1) || fail "import did not start writing"
kill -9 "$PROVD_PID"
wait "$PROVD_PID" 2>/dev/null
PROVD_PID=
echo "# spaprovd killed with $n devices in the database"
ev_at_kill=$(q "SELECT count(*) FROM events")
rc=0
wait $IPID || rc=$?
IPID=
kill $LPID 2>/dev/null; wait $LPID 2>/dev/null; LPID=
[ $rc = 0 ] && has "$T/imp1" "imported 10000 devices" && ok "import completed while spaprovd died" ||
    bad "import 1: rc=$rc $(cat "$T/imp1")"
[ "$(q 'PRAGMA integrity_check')" = ok ] && ok "integrity_check ok after killing spaprovd" ||
    bad "integrity_check after killing spaprovd"
[ "$(q 'SELECT count(*) FROM devices')" = 10001 ] && ok "10,001 devices" ||
    bad "device count $(q 'SELECT count(*) FROM devices')"
[ "$(complete_rows)" = 10001 ] && ok "every device row complete" || bad "incomplete rows"
[ "$ev_at_kill" -gt 0 ] && [ "$(q 'SELECT count(*) FROM events')" -ge "$ev_at_kill" ] &&
    ok "spaprovd's committed events kept ($ev_at_kill)" || bad "events lost"

# ---- 2. the import itself killed ---------------------------------------------
$CLI --data "$D" device import "$T/b.csv" --batch $BATCH > "$T/imp2" 2>&1 &
IPID=$!
PIDS+=($IPID)
n=$(wait_count_above 10001) || fail "second import did not start writing"
kill -9 $IPID
wait $IPID 2>/dev/null
IPID=
total=$(q 'SELECT count(*) FROM devices')
got=$((total - 10001))
echo "# import killed: $got of 10000 rows committed"
[ "$(q 'PRAGMA integrity_check')" = ok ] && ok "integrity_check ok after killing the import" ||
    bad "integrity_check after killing the import"
[ "$(complete_rows)" = "$total" ] && ok "no half-written device ($total rows, all complete)" ||
    bad "incomplete rows after the kill"
[ $((got % BATCH)) = 0 ] && [ "$got" -gt 0 ] && [ "$got" -lt 10000 ] &&
    ok "a whole number of batches: $got" || bad "$got rows is not a committed prefix"
# exactly the first $got rows of b.csv
want=$(sed -n "2,$((got + 1))p" "$T/b.csv" | cut -d, -f1 | sort | md5sum)
have=$(python3 -c "import sqlite3;c=sqlite3.connect('file:$DB?mode=ro',uri=True)
print('\n'.join(r[0] for r in c.execute(\"SELECT mac FROM devices WHERE mac LIKE '000e082%' ORDER BY mac\")))" | md5sum)
[ "$want" = "$have" ] && ok "the devices present are the file's first $got rows" ||
    bad "devices present are not a prefix of the file"

# ---- 3. a restarted spaprovd serves them ---------------------------------------
LAST=$(sed -n "$((got + 1))p" "$T/b.csv" | cut -d, -f1)
start_spaprovd "$T/conf" "$D" "$HP" || bad "restarted spaprovd did not start"
KEY=$($CLI --data "$D" device show "$LAST" --secrets)
curl -s -m 10 -o "$T/last.cfg" "http://127.0.0.1:$HP/spa$LAST.cfg"
$CLI --data "$D" render "$LAST" --decoded > "$T/last.xml"
openssl enc -d -aes-256-cbc -md md5 -k "$KEY" -in "$T/last.cfg" 2>/dev/null | gunzip |
    cmp -s - "$T/last.xml" && ok "restarted spaprovd serves the last committed device" ||
    bad "profile of $LAST not served"

# ---- 4. re-running the import ---------------------------------------------------
rc=0
$CLI --data "$D" device import "$T/b.csv" --batch $BATCH > "$T/imp3" 2>&1 || rc=$?
[ $rc != 0 ] && grep -q "b.csv:2:1: error: mac: device ${LAST%??????}[0-9a-f]* already exists" "$T/imp3" &&
    [ "$(q 'SELECT count(*) FROM devices')" = "$total" ] &&
    ok "plain re-run refused, one error per existing device, nothing written" ||
    bad "plain re-run: rc=$rc $(head -3 "$T/imp3")"
$CLI --data "$D" device import "$T/b.csv" --batch $BATCH --replace > "$T/imp4" 2>&1 ||
    bad "re-run with --replace: $(cat "$T/imp4")"
[ "$(q 'SELECT count(*) FROM devices')" = 20001 ] && [ "$(complete_rows)" = 20001 ] &&
    ok "re-run with --replace completes to 20,001 complete devices" ||
    bad "after --replace: $(q 'SELECT count(*) FROM devices')"
[ "$($CLI --data "$D" device show "$LAST" --secrets)" = "$KEY" ] &&
    ok "--replace kept the key of a device already imported" || bad "key changed by --replace"
[ "$(q 'PRAGMA integrity_check')" = ok ] || bad "integrity_check at the end"
stop_spaprovd || bad "spaprovd ignored SIGTERM"
[ $FAILS = 0 ] || fail "$FAILS failures"
echo "all ok"
