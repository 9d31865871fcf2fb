#!/usr/bin/env bash
# `trailbrake train --labels FILE --db URL`: five synthetic drivers (one
# clean, four with known mistakes) emitted as F1 2025 packets to a pcap
# and imported; the labels are the simulator's truth (mistake, corner,
# true cost) for both timed laps of each, every other corner `none`,
# against the clean driver's lap. A small training run on the built-in
# circuits takes them: the report counts every labelled row once, in
# training or held out by driver (all rows of a driver on one side), per
# mistake as labelled, and scores the held-out ones; the same options
# give the same model bytes, and the labels change the model. Bad label
# files exit non-zero naming FILE:LINE and write nothing.
set -euo pipefail
BIN=${TB_BIN:?TB_BIN must name the trailbrake binary}
unset TRAILBRAKE_DATA TRAILBRAKE_MODEL # built-in circuits only: fast
dir=$(mktemp -d /tmp/tbtrainlabels.XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$dir"

"$BIN" sim driver --track club --class GT3 --laps 2 --noise \
	--emit f1-2025 --out sim.pcap --driver 1.0 \
	--driver 0.97/brake-early:4:20,late-throttle:7:15 \
	--driver 0.97/over-drive:2:8 \
	--driver 0.95/no-trail-brake:7:10,poor-exit:2:0.6 \
	--driver 0.97/coast:5:20,slow:3:0.95 >sim.out 2>sim.err
"$BIN" import sim.pcap --db t.db >/dev/null
"$BIN" laps 1 --db t.db --csv | tail -n +2 >laps.csv
# id of car C's lap L
lap_id() { awk -F, -v c="$1" -v l="$2" '$2==c && $4==l {print $1}' laps.csv; }
ref=$(lap_id 0 3)
[ -n "$ref" ] || fail "no reference lap: $(cat laps.csv)"
ncorners=$("$BIN" analyze "$(lap_id 1 3)" --ref "$ref" --db t.db 2>/dev/null |
	awk '$1 ~ /^[0-9]+$/ && NF >= 10 {n++} END {print n + 0}')
[ "$ncorners" -ge 4 ] || fail "analyze found $ncorners corners"

# truth: "car C ..." then "  KIND corner N size S: true cost +X s"
awk '$1 == "car" && /skill/ {car = $2}
	$2 == "corner" && $4 == "size" {x = $0; sub(/.*true cost /, "", x); sub(/ s.*/, "", x);
	print car, $1, $3, x}' sim.out >truth.txt
[ "$(wc -l <truth.txt)" -eq 7 ] || fail "truth: $(cat sim.out)"
coach_name() {
	case $1 in
	brake-early) echo early-braking ;; slow) echo over-slowing ;;
	late-throttle) echo late-throttle ;; coast) echo coasting ;;
	no-trail-brake) echo no-trail-braking ;; over-drive) echo over-driving ;;
	poor-exit) echo poor-exit ;; *) fail "unknown sim kind $1" ;;
	esac
}
echo "lap,ref,corner,mistake,cost_s" >labels.csv
for car in 1 2 3 4; do
	for lapn in 2 3; do
		id=$(lap_id "$car" "$lapn")
		[ -n "$id" ] || fail "car $car lap $lapn not stored"
		for c in $(seq 1 "$ncorners"); do
			read -r kind cost < <(awk -v car="$car" -v c="$c" \
				'$1 == car && $3 == c {print $2, $4}' truth.txt) || true
			if [ -n "${kind:-}" ]; then
				echo "$id,$ref,$c,$(coach_name "$kind"),$cost"
			else
				echo "$id,$ref,$c,none,"
			fi
			kind= cost=
		done
	done
done >>labels.csv
rows=$(($(wc -l <labels.csv) - 1))
[ "$rows" -eq $((8 * ncorners)) ] || fail "$rows label rows"

train=(train --drivers 4 --rounds 5)
"$BIN" "${train[@]}" --out m1.tbm --report r1.txt --labels labels.csv \
	--db t.db >out1.txt 2>err1.txt || fail "train: $(cat err1.txt)"
[ -s m1.tbm ] || fail "no model written"
grep -q '^labelled real laps (labels.csv): '"$rows"' corners of 8 laps, 4 drivers' r1.txt ||
	fail "no labelled section or wrong totals: $(cat r1.txt)"
ntr=$(sed -nE 's/^rows used in training: ([0-9]+) .*/\1/p' r1.txt)
nho=$(sed -nE 's/^rows held out: ([0-9]+) .*/\1/p' r1.txt)
[ -n "$ntr" ] && [ -n "$nho" ] || fail "no split counts: $(cat r1.txt)"
[ $((ntr + nho)) -eq "$rows" ] || fail "split $ntr + $nho != $rows rows"
# split by driver: one of four drivers held out with all its rows
held=$(sed -nE 's/^rows held out: [0-9]+ \(drivers: (.*)\)$/\1/p' r1.txt)
hcar=$(awk -F, -v d="\"$held\"" '$3 == d {print $2; exit}' laps.csv)
[ -n "$hcar" ] || fail "held-out driver '$held' is not one of the laps' drivers"
[ "$nho" -eq $((2 * ncorners)) ] || fail "held out $nho rows, want one driver's $((2 * ncorners))"
# per-mistake counts: training + held-out = the labels, held-out = that car's
for mk in early-braking over-slowing late-throttle coasting no-trail-braking over-driving poor-exit none; do
	want=$(awk -F, -v m="$mk" 'NR > 1 && $4 == m {n++} END {print n + 0}' labels.csv)
	hids=$(awk -F, -v c="$hcar" '$2 == c {printf "%s ", $1}' laps.csv)
	want_ho=$(awk -F, -v m="$mk" -v ids=" $hids" 'NR > 1 && $4 == m && index(ids, " " $1 " ") {n++} END {print n + 0}' labels.csv)
	read -r tr ho < <(awk -v m="$mk" '$1 == m && NF == 3 && $2 ~ /^[0-9]+$/ {print $2, $3}' r1.txt)
	[ "$((tr + ho))" -eq "$want" ] || fail "$mk: $tr + $ho rows, labelled $want"
	[ "$ho" -eq "$want_ho" ] || fail "$mk: $ho held out, want $want_ho ($held)"
done
grep -q '^held-out detection (probability >= 0.5): '"$nho"' rows' r1.txt ||
	fail "no held-out detection metrics: $(cat r1.txt)"
grep -q "^early-braking .* [01]\.[0-9][0-9][0-9] *[0-9n]" r1.txt || fail "no per-mistake metrics"
grep -q 'labelled real laps' out1.txt || fail "report not printed"

# deterministic with labels; the labels change the model
"$BIN" "${train[@]}" --out m2.tbm --report r2.txt --labels labels.csv \
	--db t.db >/dev/null 2>&1 || fail "second train"
cmp -s m1.tbm m2.tbm || fail "same options and labels, different model bytes"
"$BIN" "${train[@]}" --out m0.tbm --report r0.txt >/dev/null 2>&1 || fail "train without labels"
! cmp -s m0.tbm m1.tbm || fail "the labelled rows did not change the model"
! grep -q 'labelled real laps' r0.txt || fail "labelled section without --labels"
echo "labels: $rows rows ($ntr in training, $nho held out: $held)"

# bad input: FILE:LINE (or FILE), non-zero, nothing written
bad() { # what content expected-message
	printf '%b' "$2" >bad.csv
	rm -f mb.tbm rb.txt
	if "$BIN" "${train[@]}" --out mb.tbm --report rb.txt --labels bad.csv \
		--db t.db >/dev/null 2>berr.txt; then
		fail "$1: exit 0"
	fi
	grep -qF "$3" berr.txt || fail "$1: message '$(cat berr.txt)', want '$3'"
	[ ! -e mb.tbm ] && [ ! -e rb.txt ] || fail "$1: wrote a file"
}
H='lap,ref,corner,mistake,cost_s\n'
L1=$(lap_id 1 3)
bad "unknown lap" "${H}$L1,$ref,1,none,\n99999,$ref,1,none,\n" "bad.csv:3: lap 99999 is not in the store"
bad "unknown ref" "${H}$L1,88888,1,none,\n" "bad.csv:2: reference lap 88888 is not in the store"
bad "unknown mistake" "${H}$L1,$ref,1,late-braking,\n" "bad.csv:2: mistake \"late-braking\": not a mistake type"
bad "corner range" "${H}$L1,$ref,$((ncorners + 1)),none,\n" "bad.csv:2: corner $((ncorners + 1)) out of range"
bad "corner zero" "${H}$L1,$ref,0,none,\n" "bad.csv:2: corner \"0\": not a corner number"
bad "short line" "${H}$L1,$ref,1,none\n" "bad.csv:2: 4 field(s), want 5"
bad "long line" "${H}$L1,$ref,1,none,,x\n" "bad.csv:2: more than 5 fields"
bad "bad id" "${H}x$L1,$ref,1,none,\n" "bad.csv:2: lap \"x$L1\": not a lap id"
bad "bad cost" "${H}$L1,$ref,1,coasting,fast\n" "bad.csv:2: cost_s \"fast\""
bad "header" "lap,corner,mistake\n" "bad.csv:1: header"
bad "twice" "${H}$L1,$ref,1,none,\n$L1,$ref,1,coasting,\n" "bad.csv:3: lap $L1 corner 1 labelled twice"
bad "empty" "" "bad.csv: empty"
rm -f mb.tbm rb.txt
if "$BIN" "${train[@]}" --out mb.tbm --report rb.txt --labels labels.csv 2>berr.txt; then
	fail "--labels without --db: exit 0"
fi
grep -qF -- "--labels labels.csv needs --db URL" berr.txt || fail "no --db: $(cat berr.txt)"
[ ! -e mb.tbm ] || fail "no --db: wrote a model"
echo "bad label files: refused with FILE:LINE, nothing written"
