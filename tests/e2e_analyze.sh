#!/usr/bin/env bash
# `analyze` and `compare` through the command line on real F1 laps: the
# corner table's losses sum to the lap delta, which equals the game's
# lap-time difference; metrics the source cannot give say n/a; the track
# model is built once, stored, then reused. Needs TRAILBRAKE_DATA.
set -euo pipefail
BIN=${TB_BIN:?TB_BIN must name the trailbrake binary}
DATA=${TRAILBRAKE_DATA:-../shared/data}
if [ ! -d "$DATA/f1-2026-testing-tracinginsights" ]; then
	echo "SKIP: e2e_analyze needs TRAILBRAKE_DATA (the shared recordings)"
	exit 77
fi
dir=$(mktemp -d /tmp/tbanalyze.XXXXXX)
trap 'rm -rf "$dir"' EXIT
db="$dir/tb.db"
fail() { echo "FAIL: $*"; exit 1; }
"$BIN" import "$DATA/f1-2026-testing-tracinginsights/practice3" --db "$db" >/dev/null
laps=$("$BIN" laps 1 --db "$db" --csv)
ant=$(awk -F, '$3=="\"ANT\"" {print $1; exit}' <<<"$laps")
ver=$(awk -F, '$3=="\"VER\"" && $4==10 {print $1; exit}' <<<"$laps")
[ -n "$ant" ] && [ -n "$ver" ] || fail "laps not found"

out=$("$BIN" analyze "$ver" --ref "$ant" --db "$db" 2>&1)
grep -q "track model: built" <<<"$out" || fail "first analysis did not build the model: $out"
sum=$(sed -nE 's/^sum of corners ([-+0-9.]+) s = lap delta ([-+0-9.]+) s at the line \(game times differ by ([-+0-9.]+) s\).*/\1 \2 \3/p' <<<"$out")
read -r a b c <<<"$sum"
[ -n "$a" ] || fail "no sum line: $out"
[ "$a" = "$b" ] || fail "corner losses $a != lap delta $b"
[ "$b" = "$c" ] || fail "lap delta $b != game time difference $c"
[ "$c" = "+1.756" ] || [ "$c" = "1.756" ] || fail "VER - ANT should be 1.756 s, got $c"
grep -q "n/a (source has no steering)" <<<"$out" || fail "steering not reported unknown"
grep -q "n/a (source has an on/off brake)" <<<"$out" || fail "on/off brake not reported"

out=$("$BIN" analyze "$ant" --ref "$ver" --db "$db" 2>&1)
grep -q "track model: reused from the store" <<<"$out" || fail "second analysis did not reuse the model: $out"

"$BIN" compare "$ant" "$ver" --csv "$dir/cmp.csv" --db "$db" 2>/dev/null
rows=$(wc -l <"$dir/cmp.csv")
[ "$rows" -gt 5000 ] || fail "compare wrote $rows rows"
head -1 "$dir/cmp.csv" | grep -q "dist" || fail "compare header: $(head -1 "$dir/cmp.csv")"
if "$BIN" analyze 99999 --db "$db" 2>"$dir/err"; then fail "unknown lap analysed"; fi
echo "1 passed, 0 failed"
