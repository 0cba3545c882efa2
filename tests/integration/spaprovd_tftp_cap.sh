#!/usr/bin/env bash
# spaprovd_tftp_cap.sh — TFTP_Max_Transfers: with a cap of 1, a client that
# holds the only transfer (it never ACKs) makes the next RRQ get ERROR 0
# "server busy, try again later" at once, and once that transfer has given
# up, tftp-hpa gets its file. A malformed cap is refused at file:line:col.
# 127.0.0.1 only; every wait is bounded.
. "$(dirname "$0")/lib/assert.sh"
. "$(dirname "$0")/lib/peers.sh"
need python3 spaprovd tftp
peers_init tftpcap
D=$T/data
mkdir -p "$D/files"
head -c 20000 /dev/urandom >"$D/files/fw.bin"
read -r HP SP TP YP < <(pick_ports tcp tcp udp udp)
printf 'HTTP_Port "%s"; HTTPS_Port "%s"; TFTP_Port "%s"; Syslog_Port "%s";\nTFTP_Max_Transfers "1";\n' \
    "$HP" "$SP" "$TP" "$YP" >"$T/conf"
start_spaprovd "$T/conf" "$D" "$HP" "$T/provd.log" || { echo "FAIL - spaprovd did not start"; exit 1; }

# Client 1 asks for fw.bin and never ACKs (the server retransmits block 1);
# client 2 asks while it is held. Prints what client 2 received.
python3 - "$TP" >"$T/busy.txt" <<'EOF'
import socket, struct, sys, time
port = int(sys.argv[1])
rrq = b"\x00\x01fw.bin\x00octet\x00"
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
a.settimeout(3)
a.sendto(rrq, ("127.0.0.1", port))
first = a.recvfrom(2048)[0]
print("client1 opcode", struct.unpack("!H", first[:2])[0])
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
b.settimeout(3)
b.sendto(rrq, ("127.0.0.1", port))
pkt = b.recvfrom(2048)[0]
op, code = struct.unpack("!HH", pkt[:4])
print("client2 opcode", op, "code", code, "msg", pkt[4:-1].decode())
EOF
check "the holder got DATA" has "$T/busy.txt" 'client1 opcode 3'
check "the next RRQ: ERROR 0 server busy" has "$T/busy.txt" 'client2 opcode 5 code 0 msg server busy, try again later'

# The held transfer gives up after its retransmissions; then the slot is free.
got=0
for _ in $(seq 60); do
    rm -f "$T/fw.got"
    if timeout 5 tftp -m binary 127.0.0.1 "$TP" -c get fw.bin "$T/fw.got" >/dev/null 2>&1 &&
        cmp -s "$T/fw.got" "$D/files/fw.bin"; then got=1; break; fi
    sleep 1
done
check "after the holder gave up, tftp-hpa gets the file" [ $got = 1 ]
stop_spaprovd
check "spaprovd stopped cleanly" [ "$PROVD_RC" = 0 ]

printf 'TFTP_Max_Transfers "lots" ;\n' >"$T/bad.conf"
spaprovd --config "$T/bad.conf" --data "$T/bad" 2>"$T/bad.err"
rc=$?
check "a malformed cap is refused at file:line:col" \
    bash -c "[ $rc != 0 ] && grep -q 'bad.conf:1:[0-9]*: error: TFTP_Max_Transfers' '$T/bad.err'"
[ "$FAILS" -eq 0 ] || { echo "$FAILS check(s) failed"; tail -20 "$T/provd.log"; exit 1; }
