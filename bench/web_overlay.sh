#!/usr/bin/env bash
# Browser bench of the web UI (bench/web_overlay.mjs): serve the UI from
# the real binary on a free loopback port with an empty database, then
# time the overlay in headless chromium. Usage: web_overlay.sh TRAILBRAKE
set -euo pipefail
BIN=${1:?usage: web_overlay.sh path/to/trailbrake}
SRC=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v node >/dev/null 2>&1 || [ ! -x /usr/bin/chromium ] ||
	[ ! -d "$SRC/web/node_modules/playwright-core" ]; then
	echo "web overlay: FAIL (needs node, /usr/bin/chromium, web/node_modules)"
	exit 1
fi
dir=$(mktemp -d /tmp/tbwebbench.XXXXXX)
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
port=$(node -e 'const s=require("net").createServer();
s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
"$BIN" serve --db "$dir/tb.db" --http "$port" --udp "$port" \
	>"$dir/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
	curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
	sleep 0.1
done
BASE="http://127.0.0.1:$port" WEB_DIR="$SRC/web" \
	node "$SRC/bench/web_overlay.mjs"
