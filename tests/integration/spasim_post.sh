#!/bin/bash
# spasim_post.sh — Profile_Rule "[--post f] http://.../cpe/resyncs?" against
# nginx: the device POSTs the macro-expanded contents of GPP_F (the guide's
# example 'Product = "$PN"; MAC_Addr = "$MA"; ...'), nginx reads the body
# because it proxies the request to a second server block, and logs it with
# $request_body; the backend's answer is the profile the device applies. A
# POST answered 500 keeps the old configuration with ERR "http_post failed".
# Needs nginx and curl; else skipped (77). Bounded in time; kills what it starts.
set -u

BUILD=${SPA_BUILD:-}
. "$(dirname "$0")/lib/assert.sh"
. "$(dirname "$0")/lib/peers.sh"
peers_init spasim-post

need nginx curl
need_spasim

N=$T/nginx
NP=$(pick_port)
BP=$(pick_port)
start_nginx "$N" '$request_method $uri ct=$content_type ua=$http_user_agent body=[$request_body] -> $status' "
    server {
        listen 127.0.0.1:$NP;
        location /cpe/ { proxy_pass http://127.0.0.1:$BP; }
    }
    server {
        listen 127.0.0.1:$BP;
        access_log off;
        location = /cpe/resyncs {
            default_type text/xml;
            return 200 '<flat-profile><GPP_B>from-post</GPP_B></flat-profile>';
        }
        location = /cpe/fail { return 500; }
    }" none || { echo "FAIL - nginx config"; exit 1; }
wait_http "http://127.0.0.1:$NP/cpe/resyncs"

MAC=000e08aabbcc
device() { # NAME RULE
    mkdir -p "$T/$1"
    cat >"$T/$1/config.xml" <<EOF
<flat-profile>
  <Profile_Rule>$2</Profile_Rule>
  <GPP_B>old</GPP_B>
  <GPP_F>Product = "\$PN"; MAC_Addr = "\$MA"; Ser_Num = "\$SN"; SW_Ver = "\$SWVER";</GPP_F>
</flat-profile>
EOF
    timeout 60 "$SIM" --model SPA2102 --mac $MAC --serial 88012BA01234 --state "$T/$1" \
        --once --timeout 40 >"$T/$1.json" 2>"$T/$1.err"
    echo $? >"$T/$1.rc"
}
BODY='Product = "SPA2102"; MAC_Addr = "000e08aabbcc"; Ser_Num = "88012BA01234"; SW_Ver = "5.1.10";'

device p1 "[--post f] http://127.0.0.1:$NP/cpe/resyncs?"
check "POST resync: exit 0" rc_is p1 0
check "nginx saw a POST whose body is GPP_F expanded" \
    has "$N/logs/access.log" "POST /cpe/resyncs ct=text/plain ua=Linksys/SPA-2102-5.1.10 (88012BA01234) body=[$BODY] -> 200"
check "the answer to the POST was applied" has "$T/p1/config.xml" '<GPP_B ua="na">from-post</GPP_B>'

device p2 "[--post f] http://127.0.0.1:$NP/cpe/fail"
check "POST answered 500: exit 1" rc_is p2 1
check "POST answered 500: ERR http_post failed" has "$T/p2.json" '"err":"http_post failed"'
check "POST answered 500: old value kept" has "$T/p2/config.xml" '<GPP_B ua="na">old</GPP_B>'
check "the failed POST carried the body too" \
    has "$N/logs/access.log" "POST /cpe/fail ct=text/plain ua=Linksys/SPA-2102-5.1.10 (88012BA01234) body=[$BODY] -> 500"

if [ $FAILS -gt 0 ]; then
    for f in "$T"/*.json "$T"/*.err; do echo "--- $f"; cat "$f"; done
    echo "--- access log"; cat "$N/logs/access.log"
    echo "$FAILS check(s) failed"
    exit 1
fi
echo "all passed"
