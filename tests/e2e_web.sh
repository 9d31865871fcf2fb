#!/usr/bin/env bash
# The web UI in a real browser: a temporary database filled by the real
# binary (the generated demo capture; real F1 laps and an iRacing file
# from TRAILBRAKE_DATA when present), `serve` on free loopback ports,
# then tests/web/ui.test.mjs drives Debian's chromium headless through
# playwright-core. Screenshots go to WEB_ARTIFACTS (the build dir's
# web-artifacts/). SKIP (77) without node, chromium or web/node_modules.
set -euo pipefail
BIN=${TB_BIN:?TB_BIN must name the trailbrake binary}
SRC=$(cd "$(dirname "$0")/.." && pwd)
DATA=${TRAILBRAKE_DATA:-$SRC/../shared/data}
OUT=${WEB_ARTIFACTS:-$PWD/web-artifacts}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if ! command -v node >/dev/null 2>&1 || [ ! -x "$CHROMIUM" ] ||
	[ ! -d "$SRC/web/node_modules/playwright-core" ]; then
	echo "SKIP: e2e_web needs node, $CHROMIUM and web/node_modules (make web)"
	exit 77
fi
dir=$(mktemp -d /tmp/tbweb.XXXXXX)
pid=""
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
free_port() {
	node -e 'const s=require("net").createServer();
s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

db="$dir/tb.db"
# 4 laps: more than 8 clean ones (some run in traffic) for the overlay
"$BIN" gen --cars 4 --laps 4 --out "$dir/demo.pcap" >/dev/null 2>&1
"$BIN" import "$dir/demo.pcap" --db "$db" >/dev/null
# The coach rates the demo session's first clean lap and stores it: the
# driver page charts it (skipped when this build has no coach).
coached=$("$BIN" laps 1 --db "$db" --csv |
	awk -F, 'NR > 1 && $5 > 0 && $9 == "" { print $1; exit }')
coached_driver=""
if "$BIN" coach --help >/dev/null 2>&1; then
	[ -n "$coached" ] || fail "no clean lap in the demo session"
	"$BIN" coach "$coached" --save --db "$db" >"$dir/coach.txt" 2>&1 ||
		fail "coach $coached --save: $(cat "$dir/coach.txt")"
	coached_driver=$("$BIN" laps 1 --db "$db" --csv |
		awk -F, -v id="$coached" '$1 == id { gsub(/"/, "", $3); print $3 }')
fi
import_file="$dir/forza.pcap"
if [ -d "$DATA/f1-2026-testing-tracinginsights/practice3" ]; then
	"$BIN" import "$DATA/f1-2026-testing-tracinginsights/practice3" \
		--db "$db" >/dev/null
else
	echo "SKIP (part): no real F1 laps in TRAILBRAKE_DATA"
fi
if [ -f "$DATA/iracing-ibt-teamjorge/valid_test_file.ibt" ]; then
	import_file="$DATA/iracing-ibt-teamjorge/valid_test_file.ibt"
else
	echo "SKIP (part): no iRacing file in TRAILBRAKE_DATA: the browser" \
		"imports a generated capture instead"
	"$BIN" gen --protocol forza --laps 1 --out "$import_file" >/dev/null 2>&1
fi

# Dropped on the import page: another game, so a session of its own.
"$BIN" gen --protocol codemasters --laps 1 --out "$dir/dropped.pcap" \
	>/dev/null 2>&1

http=$(free_port)
udp=$(free_port) # a free TCP port number; UDP is very likely free too
"$BIN" serve --db "$db" --http "$http" --udp "$udp" >"$dir/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
	curl -sf "http://127.0.0.1:$http/healthz" >/dev/null 2>&1 && break
	sleep 0.1
done
curl -sf "http://127.0.0.1:$http/healthz" >/dev/null ||
	fail "serve did not start: $(cat "$dir/serve.log")"
curl -sf "http://127.0.0.1:$http/" | grep -q '<main id="app">' ||
	fail "GET / is not the UI page"

mkdir -p "$OUT"
BASE="http://127.0.0.1:$http" ARTIFACTS="$OUT" TB_BIN="$BIN" \
	COACHED_LAP="$coached" COACHED_DRIVER="$coached_driver" \
	IMPORT_FILE="$import_file" DROP_FILE="$dir/dropped.pcap" UDP_PORT="$udp" CAPTURE="$dir/demo.pcap" \
	WEB_DIR="$SRC/web" CHROMIUM="$CHROMIUM" \
	node "$SRC/tests/web/ui.test.mjs" || fail "browser test (screenshots in $OUT)"
echo "screenshots: $OUT"
