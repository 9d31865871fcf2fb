#!/usr/bin/env bash
# The demo path: generate the demo capture, replay it through a real UDP
# socket into `serve`, stop it with SIGTERM; then import the same capture
# into a second store. Both stores hold every timed lap of every car with
# the generator's lap and sector times, exact to the ms.
set -euo pipefail
BIN=${TB_BIN:?TB_BIN must name the trailbrake binary}
dir=$(mktemp -d /tmp/tbreplay.XXXXXX)
srv=0
cleanup() {
	[ "$srv" -gt 0 ] && kill -9 "$srv" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
port=$((20000 + RANDOM % 20000))
fmt=${1:-2025}

"$BIN" gen --cars 4 --laps 3 --format "$fmt" --out "$dir/demo.pcap" --truth >"$dir/truth.csv" 2>/dev/null
"$BIN" serve --db "$dir/live.db" --udp "$port" --http 0 --bind 127.0.0.1 2>"$dir/serve.log" &
srv=$!
sleep 0.5
"$BIN" replay "$dir/demo.pcap" --to "127.0.0.1:$port" --rate 25 2>/dev/null
sleep 0.3
kill -TERM "$srv"
wait "$srv"
srv=0
"$BIN" import "$dir/demo.pcap" --db "$dir/import.db" >/dev/null

compare() { # db label
	"$BIN" laps 1 --db "$1" --csv | tail -n +2 >"$dir/laps.csv"
	local want=0 got=0
	while IFS=, read -r car lap ms s1 s2 s3 flags complete; do
		[ "$complete" = 1 ] || continue
		want=$((want + 1))
		row=$(awk -F, -v c="$car" -v l="$lap" '$2==c && $4==l' "$dir/laps.csv")
		[ -n "$row" ] || { echo "FAIL $2: car $car lap $lap missing"; return 1; }
		IFS=, read -r _ _ _ _ gms gs1 gs2 gs3 gflags _ <<<"$row"
		[ "$gms,$gs1,$gs2,$gs3" = "$ms,$s1,$s2,$s3" ] ||
			{ echo "FAIL $2: car $car lap $lap: $gms,$gs1,$gs2,$gs3 != $ms,$s1,$s2,$s3"; return 1; }
		# traffic is ours to find (the truth does not model it)
		[ -z "$gflags" ] || [ "$gflags" = traffic ] || { echo "FAIL $2: car $car lap $lap flagged $gflags"; return 1; }
		got=$((got + 1))
	done < <(tail -n +2 "$dir/truth.csv")
	[ "$want" -eq 12 ] || { echo "FAIL: truth has $want timed laps, expected 12"; return 1; }
	"$BIN" check --db "$1" >/dev/null
	echo "$2: $got/$want timed laps exact"
}
compare "$dir/live.db" "replay into serve"
compare "$dir/import.db" "import"
echo "2 passed, 0 failed"
