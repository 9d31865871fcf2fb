#!/usr/bin/env bash
# `coach` through the command line on real F1 laps (TracingInsights,
# 2026 test): a slower lap against the fastest gets ratings and ranked
# advice naming corners; --explain shows the numbers behind each piece;
# --json is one JSON object; --save stores the ratings and --history
# lists them; a session is coached lap by lap; bad input (unknown lap,
# bad --ref, missing or truncated model, a lap without positions for
# --ref limit) gives a clear message and a failing exit code, never
# advice. Needs TRAILBRAKE_DATA.
set -euo pipefail
BIN=${TB_BIN:?TB_BIN must name the trailbrake binary}
DATA=${TRAILBRAKE_DATA:-../shared/data}
if [ ! -d "$DATA/f1-2026-testing-tracinginsights" ]; then
	echo "SKIP: e2e_coach needs TRAILBRAKE_DATA (the shared recordings)"
	exit 77
fi
dir=$(mktemp -d /tmp/tbcoach.XXXXXX)
trap 'rm -rf "$dir"' EXIT
db="$dir/tb.db"
fail() { echo "FAIL: $*"; exit 1; }
"$BIN" import "$DATA/f1-2026-testing-tracinginsights/practice3" --db "$db" >/dev/null
laps=$("$BIN" laps 1 --db "$db" --csv)
ant=$(awk -F, '$3=="\"ANT\"" {print $1; exit}' <<<"$laps")
per=$(awk -F, '$3=="\"PER\"" {print $1; exit}' <<<"$laps")
[ -n "$ant" ] && [ -n "$per" ] || fail "laps not found"

out=$("$BIN" coach "$per" --ref "$ant" --explain --db "$db")
echo "$out"
grep -Eq "^ratings: braking [0-9]+ entry [0-9]+ mid-corner [0-9]+ exit [0-9]+ consistency - overall [0-9]+$" <<<"$out" || fail "no ratings line"
n=$(grep -Ec "^[123]\. Turn [0-9]+: .* about [0-9.]+ s\." <<<"$out" || true)
[ "$n" -ge 2 ] || fail "expected ranked advice, got $n lines"
[ "$(grep -c "^   why: measured loss" <<<"$out")" = "$n" ] || fail "--explain lines missing"
# ranked by time
t=$(sed -nE 's/^[123]\. .* about ([0-9.]+) s\..*/\1/p' <<<"$out")
[ "$t" = "$(sort -gr <<<"$t")" ] || fail "advice not ranked by time: $t"

js=$("$BIN" coach "$per" --ref "$ant" --json --db "$db")
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert 0 <= d["ratings"]["overall"] <= 100; assert len(d["advice"]) >= 2; assert all("text" in a for a in d["advice"])' "$js" || fail "bad JSON: $js"

"$BIN" coach "$per" --ref "$ant" --save --db "$db" >/dev/null
hist=$("$BIN" coach --history PER --db "$db")
grep -Eq "^1 +$per +$ant +PER " <<<"$hist" || fail "history: $hist"
"$BIN" coach --history NOBODY --db "$db" | grep -q "no ratings stored" || fail "empty history"

ses=$("$BIN" coach --session 1 --ref "$ant" --db "$db")
c=$(grep -c "^ratings:" <<<"$ses")
[ "$c" -ge 17 ] || fail "session coached $c laps"
grep -q "clean laps coached" <<<"$ses" || fail "no session summary"

# bad input: a clear message, a failing exit code, no advice
bad() {
	local want=$1; shift
	set +e
	o=$("$BIN" coach "$@" --db "$db" 2>&1)
	rc=$?
	set -e
	[ "$rc" -ne 0 ] || fail "coach $* succeeded: $o"
	grep -q "$want" <<<"$o" || fail "coach $*: '$want' not in: $o"
	! grep -q "Turn" <<<"$o" || fail "coach $* gave advice: $o"
}
bad "no lap 99999" 99999
bad "not a whole number" "$per" --ref abc
bad "cannot open" "$per" --model "$dir/none.tbm"
head -c 5000 "$(dirname "$0")/../models/coach.tbm" >"$dir/trunc.tbm"
bad "truncated or damaged" "$per" --model "$dir/trunc.tbm"
printf 'not a model at all, just text\n' >"$dir/foreign.tbm"
bad "too short\|wrong magic" "$per" --model "$dir/foreign.tbm"
echo "e2e_coach: PASS"
