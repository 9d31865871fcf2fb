#!/usr/bin/env bash
# `trailbrake import` on the real recordings, through the command line:
# each file is recognised by content and stored with the facts its
# README gives; real F1 laps become references; broken files import
# nothing. Needs TRAILBRAKE_DATA (SKIP otherwise).
set -euo pipefail
BIN=${TB_BIN:?TB_BIN must name the trailbrake binary}
DATA=${TRAILBRAKE_DATA:-../shared/data}
if [ ! -d "$DATA" ]; then
	echo "SKIP: e2e_import_data needs TRAILBRAKE_DATA (the shared recordings)"
	exit 77
fi
dir=$(mktemp -d /tmp/tbimport.XXXXXX)
trap 'rm -rf "$dir"' EXIT
db="$dir/tb.db"
fail() { echo "FAIL: $*"; exit 1; }

# DiRT Rally 2.0: each capture is one complete stage run.
for f in 199.6:199575 202.2:202209 202.5:202525; do
	name=${f%%:*} ms=${f##*:}
	out=$("$BIN" import "$DATA/dirt-rally-2-dr2_logger/noorinbee_${name}s.derived.pcap" --db "$db")
	grep -q "codemasters, .* 1 laps stored" <<<"$out" || fail "DR2 $name: $out"
	sess=$("$BIN" sessions --db "$db" --csv)
	grep -q ",$ms$" <<<"$sess" || fail "DR2 $name: stage time $ms not stored"
done

# ... and each replays through a real socket into `serve` as the same run.
port=$((20000 + RANDOM % 20000))
for f in 199.6:199575 202.2:202209 202.5:202525; do
	name=${f%%:*} ms=${f##*:}
	"$BIN" serve --db "$dir/live.db" --udp "$port" --http 0 --bind 127.0.0.1 2>"$dir/serve.log" &
	srv=$!
	sleep 0.4
	"$BIN" replay "$DATA/dirt-rally-2-dr2_logger/noorinbee_${name}s.derived.pcap" \
		--to "127.0.0.1:$port" --rate 100 2>/dev/null
	sleep 0.3
	kill -TERM "$srv"
	wait "$srv"
	grep -q "DiRT Rally 2.0.*(detected)" "$dir/serve.log" || fail "serve did not detect DR2"
	sess=$("$BIN" sessions --db "$dir/live.db" --csv)
	grep -q ",$ms$" <<<"$sess" || fail "DR2 $name replayed: stage time $ms not stored"
done
n=$("$BIN" sessions --db "$dir/live.db" --csv | tail -n +2 | awk -F, '{s += $7} END {print s}')
[ "$n" -eq 3 ] || fail "replays stored $n runs, expected 3"

# iRacing: the disk file imports one (incomplete) lap at Red Bull Ring;
# the live-memory snapshot is refused with a reason, importing nothing.
out=$("$BIN" import "$DATA/iracing-ibt-teamjorge/valid_test_file.ibt" --db "$db")
grep -q "ibt, 1 sessions, 0 laps stored (+1 incomplete)" <<<"$out" || fail "ibt: $out"
sess=$("$BIN" sessions --db "$db")
grep -q "Red Bull Ring" <<<"$sess" || fail "ibt track"
before=$("$BIN" sessions --db "$db" --csv | wc -l)
if "$BIN" import "$DATA/iracing-ibt-teamjorge/live_test_file.ibt" --db "$db" 2>"$dir/err"; then
	fail "live snapshot imported"
fi
grep -qi "live" "$dir/err" || fail "live snapshot message: $(cat "$dir/err")"
# A truncated .ibt imports nothing.
head -c 300000 "$DATA/iracing-ibt-teamjorge/valid_test_file.ibt" >"$dir/cut.ibt"
if "$BIN" import "$dir/cut.ibt" --db "$db" 2>"$dir/err"; then fail "cut .ibt imported"; fi
grep -q "cut.ibt" "$dir/err" || fail "cut .ibt message names no file: $(cat "$dir/err")"
after=$("$BIN" sessions --db "$db" --csv | wc -l)
[ "$before" = "$after" ] || fail "a refused file left a session behind"

# Real F1 (TracingInsights): the practice3 folder = 39 laps of 17
# drivers, all F1 references; the fastest is Antonelli's 1:33.669.
out=$("$BIN" import "$DATA/f1-2026-testing-tracinginsights/practice3" --db "$db")
grep -qE "f1-tracinginsights, 1 sessions, [0-9]+ laps stored" <<<"$out" || fail "f1ti: $out"
n=$(sed -E 's/.* ([0-9]+) laps stored \(\+([0-9]+) incomplete\).*/\1 + \2/' <<<"$out")
n=$((n))
[ "$n" -eq 39 ] || fail "f1ti: $n laps, expected 39"
refs=$("$BIN" ref list --db "$db" --csv | tail -n +2)
[ "$(echo "$refs" | grep -c ',F1,')" -ge 38 ] || fail "F1 references: $(echo "$refs" | wc -l)"
grep -q ",93669$" <<<"$refs" || fail "ANT 93.669 not a reference"

# F1 live timing: Miami 2025 sprint rebuilds Hamilton's 1:36.368.
out=$("$BIN" import "$DATA/f1-livetiming-fastf1-testdata/2025-Miami-Sprint/TimingData.jsonStream" --db "$db")
grep -q "f1-livetiming" <<<"$out" || fail "livetiming: $out"
refs=$("$BIN" ref list --db "$db" --csv)
grep -q ",96368$" <<<"$refs" || fail "HAM 1:36.368 missing"

# Garbage is refused by name.
head -c 5000 /dev/urandom >"$dir/noise.bin"
if "$BIN" import "$dir/noise.bin" --db "$db" 2>"$dir/err"; then fail "noise imported"; fi
grep -q "not a format" "$dir/err" || fail "noise message: $(cat "$dir/err")"
"$BIN" check --db "$db" >/dev/null
echo "1 passed, 0 failed"
