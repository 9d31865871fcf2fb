#!/usr/bin/env bash
# Synthetic drivers as a game's packet stream: two F1 cars (one clean, one
# braking 20 m early for corner 4) emitted live over UDP into `serve`;
# the stored lap times equal the simulated ones within a frame, `analyze`
# finds the early brake at corner 4 within 2 m and its loss equals the
# re-simulated cost within 10 ms, `compare` writes the aligned traces.
# The same stream to a pcap imports into the same laps; one single-car
# protocol (Forza) stores the simulated lap time too.
set -euo pipefail
BIN=${TB_BIN:?TB_BIN must name the trailbrake binary}
dir=$(mktemp -d /tmp/tbsimemit.XXXXXX)
srv=0
cleanup() {
	[ "$srv" -gt 0 ] && kill -9 "$srv" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
port=$((20000 + RANDOM % 20000))
FRAME_MS=17 # one frame at 60 Hz, rounded up

start_serve() { # db
	"$BIN" serve --db "$1" --udp "$port" --http 0 --bind 127.0.0.1 2>"$dir/serve.log" &
	srv=$!
	sleep 0.5
}
stop_serve() {
	kill -TERM "$srv"
	wait "$srv"
	srv=0
}
# want_ms CAR: the simulated lap time of car CAR in ms, from the sim output
want_ms() { awk -v c="$1" '$1=="car" && $2==c && $(NF-2)=="lap" {printf "%d\n", $(NF-1) * 1000 + 0.5}' "$dir/sim.out"; }
# check_laps DB CARS: laps 2..4 of every car stored with the simulated time
check_laps() {
	"$BIN" laps 1 --db "$1" --csv | tail -n +2 >"$dir/laps.csv"
	local car lap got want
	for car in $(seq 0 $(($2 - 1))); do
		want=$(want_ms "$car")
		[ -n "$want" ] || fail "no simulated lap time for car $car"
		for lap in 2 3 4; do
			got=$(awk -F, -v c="$car" -v l="$lap" '$2==c && $4==l {print $5}' "$dir/laps.csv")
			[ -n "$got" ] || fail "$1: car $car lap $lap not stored"
			d=$((got - want))
			[ "${d#-}" -le "$FRAME_MS" ] || fail "$1: car $car lap $lap: $got ms, simulated $want ms"
		done
	done
}

sim=(sim driver --track club --class GT3 --laps 3 --noise
	--driver 0.97 --driver 0.97/brake-early:4:20)
start_serve "$dir/live.db"
"$BIN" "${sim[@]}" --emit f1-2025 --to "127.0.0.1:$port" --speed 50 >"$dir/sim.out" 2>"$dir/sim.err"
sleep 0.3
stop_serve
check_laps "$dir/live.db" 2
# the cars set off spaced: no lap of either is a traffic lap
tr=$(awk -F, 'NR > 1 && $9 ~ /traffic/' <("$BIN" laps 1 --db "$dir/live.db" --csv))
[ -z "$tr" ] || fail "traffic laps in a spaced emission: $tr"
cost=$(sed -nE 's/^  brake-early corner 4 size 20: true cost \+([0-9.]+) s.*/\1/p' "$dir/sim.out")
[ -n "$cost" ] || fail "no true cost printed: $(cat "$dir/sim.out")"

# analyze: car 1's second timed lap against car 0's
ids=$("$BIN" laps 1 --db "$dir/live.db" --csv)
ref=$(awk -F, '$2==0 && $4==3 {print $1}' <<<"$ids")
lap=$(awk -F, '$2==1 && $4==3 {print $1}' <<<"$ids")
out=$("$BIN" analyze "$lap" --ref "$ref" --db "$dir/live.db" 2>&1)
row=$(awk '$1=="4" && NF>=10' <<<"$out")
[ -n "$row" ] || fail "no corner 4 in: $out"
read -r _ _ _ dm _ _ _ _ _ _ lost <<<"$row"
awk -v d="$dm" 'BEGIN {exit !(d >= -22 && d <= -18)}' || fail "corner 4 brake point moved $dm m, injected -20 m: $out"
awk -v l="$lost" -v c="$cost" 'BEGIN {x = l - c; if (x < 0) x = -x; exit !(x <= 0.010)}' ||
	fail "corner 4 lost $lost s, true cost $cost s: $out"
others=$(awk '$1 ~ /^[0-9]+$/ && $1 != "4" && NF>=10 {x = $NF; if (x < 0) x = -x; if (x > 0.010) print}' <<<"$out")
[ -z "$others" ] || fail "untouched corners lost time: $others"
"$BIN" compare "$ref" "$lap" --csv "$dir/cmp.csv" --db "$dir/live.db" 2>/dev/null
[ "$(wc -l <"$dir/cmp.csv")" -gt 5000 ] || fail "compare wrote $(wc -l <"$dir/cmp.csv") rows"
echo "live F1: lap times within a frame; corner 4 brake $dm m, lost $lost s (true $cost s)"

# the same to a pcap, read back by import
"$BIN" "${sim[@]}" --emit f1-2023 --out "$dir/sim.pcap" >"$dir/sim.out" 2>"$dir/sim.err"
"$BIN" import "$dir/sim.pcap" --db "$dir/import.db" >/dev/null
check_laps "$dir/import.db" 2
echo "pcap: imported lap times within a frame"

# a single-car protocol
start_serve "$dir/forza.db"
"$BIN" sim driver --track oval --class GT3 --laps 3 --skill 0.95 \
	--mistakes slow:2:0.9 --emit forza --variant m --to "127.0.0.1:$port" \
	--speed 50 >"$dir/sim.out" 2>"$dir/sim.err"
sleep 0.3
stop_serve
check_laps "$dir/forza.db" 1
echo "live Forza: lap times within a frame"

# errors
if "$BIN" sim driver --track club --class GT3 --emit nosuch --to 127.0.0.1:1 2>"$dir/err"; then fail "unknown protocol accepted"; fi
grep -q "f1-2025" "$dir/err" || fail "unknown protocol message: $(cat "$dir/err")"
if "$BIN" sim driver --track club --class GT3 --emit f1 2>"$dir/err"; then fail "--emit without --to/--out accepted"; fi
echo "3 passed, 0 failed"
