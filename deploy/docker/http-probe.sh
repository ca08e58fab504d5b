#!/bin/bash
# HEALTHCHECK helper for images without curl (nginx, nats-server):
#   http-probe PORT PATH STATUS   exits 0 iff GET http://127.0.0.1:PORT/PATH answers STATUS.
set -euo pipefail
port=$1 path=$2 want=$3
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$path" >&3
read -r -t 3 _ status _ <&3
[ "$status" = "$want" ]
