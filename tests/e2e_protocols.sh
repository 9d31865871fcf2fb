#!/usr/bin/env bash
# Every protocol with an encoder: a generated multi-lap stream in that
# protocol, replayed over UDP into `serve` (auto-detecting on one port),
# is stored with the generator's lap times; the same capture imports to
# the same laps. Usage: e2e_protocols.sh PROTOCOL [VARIANT]
set -euo pipefail
BIN=${TB_BIN:?TB_BIN must name the trailbrake binary}
proto=$1 variant=${2:-}
dir=$(mktemp -d /tmp/tbproto.XXXXXX)
srv=0
cleanup() {
	[ "$srv" -gt 0 ] && kill -9 "$srv" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
port=$((20000 + RANDOM % 20000))
vflag=()
[ -n "$variant" ] && vflag=(--variant "$variant")

"$BIN" gen --protocol "$proto" "${vflag[@]}" --laps 3 --out "$dir/g.pcap" --truth >"$dir/truth.csv" 2>/dev/null
"$BIN" serve --db "$dir/live.db" --udp "$port" --http 0 --bind 127.0.0.1 2>"$dir/serve.log" &
srv=$!
sleep 0.5
"$BIN" replay "$dir/g.pcap" --to "127.0.0.1:$port" --rate 25 2>/dev/null
sleep 0.3
kill -TERM "$srv"
wait "$srv"
srv=0
grep -q "(detected)" "$dir/serve.log" || { echo "FAIL: no protocol detected"; cat "$dir/serve.log"; exit 1; }
"$BIN" import "$dir/g.pcap" --db "$dir/import.db" >"$dir/import.log"
grep -q ": $proto," "$dir/import.log" || { echo "FAIL: import did not detect $proto"; cat "$dir/import.log"; exit 1; }

compare() { # db label
	"$BIN" laps 1 --db "$1" --csv | tail -n +2 >"$dir/laps.csv"
	local want=0
	while IFS=, read -r car lap ms s1 s2 s3 flags complete; do
		[ "$complete" = 1 ] || continue
		want=$((want + 1))
		row=$(awk -F, -v l="$lap" '$2==0 && $4==l' "$dir/laps.csv")
		[ -n "$row" ] || { echo "FAIL $2: lap $lap missing"; cat "$dir/laps.csv"; return 1; }
		IFS=, read -r _ _ _ _ gms _ <<<"$row"
		[ "$gms" = "$ms" ] || { echo "FAIL $2: lap $lap: $gms ms, want $ms"; return 1; }
	done < <(tail -n +2 "$dir/truth.csv")
	[ "$want" -eq 3 ] || { echo "FAIL: truth has $want timed laps"; return 1; }
	"$BIN" check --db "$1" >/dev/null
	echo "$proto${variant:+/$variant} $2: $want/$want laps exact"
}
compare "$dir/live.db" "replay into serve"
compare "$dir/import.db" "import"
echo "1 passed, 0 failed"
