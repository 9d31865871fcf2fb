#!/usr/bin/env bash
# Traffic laps end to end: a generated 4-car F1 session (the cars start
# about 97 m apart, so some run close behind another) is imported; its
# laps list names "traffic" laps; `coach --session` and the "best"
# references leave them out; `coach LAP` on one still coaches it and
# warns, in text and in JSON (warnings ["traffic"]); a clean lap has no
# warning.
set -euo pipefail
BIN=${TB_BIN:?TB_BIN must name the trailbrake binary}
dir=$(mktemp -d /tmp/tbtraffic.XXXXXX)
trap 'rm -rf "$dir"' EXIT
db="$dir/tb.db"
fail() { echo "FAIL: $*"; exit 1; }
"$BIN" gen --cars 4 --laps 3 --out "$dir/g.pcap" >/dev/null 2>&1
"$BIN" import "$dir/g.pcap" --db "$db" >/dev/null
laps=$("$BIN" laps 1 --db "$db" --csv)
# timed laps only (lap_ms > 0): id,car,driver,lap,lap_ms,...,flags,...
tr=$(awk -F, '$5 > 0 && $9 == "traffic" {print $1}' <<<"$laps")
clean=$(awk -F, 'NR > 1 && $5 > 0 && $9 == "" {print $1}' <<<"$laps")
[ -n "$tr" ] || fail "no traffic lap in the generated session: $laps"
[ -n "$clean" ] || fail "no clean lap in the generated session: $laps"
t1=$(head -n 1 <<<"$tr")
c1=$(head -n 1 <<<"$clean")

out=$("$BIN" coach "$t1" --ref session-best --db "$db")
grep -Eq "^ratings: " <<<"$out" || fail "traffic lap not coached: $out"
grep -q "^note: lap $t1 had traffic" <<<"$out" || fail "no traffic note: $out"
js=$("$BIN" coach "$t1" --ref session-best --json --db "$db")
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["warnings"] == ["traffic"]; assert "ratings" in d' "$js" ||
	fail "bad JSON for a traffic lap: $js"
js=$("$BIN" coach "$c1" --ref session-best --json --db "$db")
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["warnings"] == []' "$js" ||
	fail "bad JSON for a clean lap: $js"
! "$BIN" coach "$c1" --db "$db" | grep -q "had traffic" || fail "clean lap warned"

# the session's advice covers the clean laps only
ses=$("$BIN" coach --session 1 --db "$db")
n=$(wc -l <<<"$clean")
grep -q "^$n of $n clean laps coached" <<<"$ses" || fail "session summary: $(tail -n 2 <<<"$ses")"
for id in $tr; do
	! grep -q "^lap $id " <<<"$ses" || fail "traffic lap $id coached in the session"
	! grep -q "reference $id " <<<"$ses" || fail "traffic lap $id used as a reference"
done
echo "e2e_traffic: PASS"
