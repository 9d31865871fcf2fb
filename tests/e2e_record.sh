#!/usr/bin/env bash
# `record` writes a live UDP stream to a pcap that tcpdump reads and that
# imports into the same laps as the stream itself; `serve --record` does
# the same while storing. Bad arguments give a clear error and exit 2.
set -euo pipefail
BIN=${TB_BIN:?TB_BIN must name the trailbrake binary}
dir=$(mktemp -d /tmp/tbrecord.XXXXXX)
rec=0
cleanup() {
	[ "$rec" -gt 0 ] && kill -9 "$rec" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
port=$((20000 + RANDOM % 20000))

"$BIN" record --udp "$port" --bind 127.0.0.1 --out "$dir/live.pcap" 2>"$dir/rec.log" &
rec=$!
sleep 0.3
"$BIN" gen --cars 2 --laps 1 --format 2024 --to "127.0.0.1:$port" --rate 40 --truth >"$dir/truth.csv" 2>/dev/null
sleep 0.3
kill -INT "$rec"
wait "$rec"
rec=0
n=$(grep -oE '^[0-9]+ datagrams' "$dir/rec.log" | grep -oE '^[0-9]+' || true)
n=${n:-$(sed -n 's/^record: \([0-9]*\) datagrams.*/\1/p' "$dir/rec.log")}
[ "${n:-0}" -gt 1000 ] || { echo "FAIL: recorded ${n:-0} datagrams"; cat "$dir/rec.log"; exit 1; }

# tcpdump opens it and sees UDP to our port.
TCPDUMP=$(command -v tcpdump || echo /usr/sbin/tcpdump)
if [ -x "$TCPDUMP" ]; then
	seen=$("$TCPDUMP" -nn -r "$dir/live.pcap" 2>/dev/null | grep -c "UDP" || true)
	[ "$seen" -eq "$n" ] || { echo "FAIL: tcpdump saw $seen UDP frames, recorded $n"; exit 1; }
else
	echo "note: tcpdump not installed, skipping that check"
fi

"$BIN" import "$dir/live.pcap" --db "$dir/tb.db" >/dev/null
"$BIN" laps 1 --db "$dir/tb.db" --csv | tail -n +2 >"$dir/laps.csv"
for car in 0 1; do
	want=$(awk -F, -v c=$car '$1==c && $2==2 {print $3","$4","$5","$6}' "$dir/truth.csv")
	got=$(awk -F, -v c=$car '$2==c && $4==2 {print $5","$6","$7","$8}' "$dir/laps.csv")
	[ -n "$want" ] && [ "$want" = "$got" ] || { echo "FAIL: car $car lap 2: got '$got' want '$want'"; exit 1; }
done

# Errors name the problem and exit 2.
set +e
"$BIN" replay "$dir/live.pcap" --to nowhere 2>"$dir/err"; rc=$?
grep -q "HOST:PORT" "$dir/err" && [ $rc -eq 2 ] || { echo "FAIL: bad --to"; exit 1; }
"$BIN" gen --cars 40 --out x 2>"$dir/err"; rc=$?
grep -q "cars" "$dir/err" && [ $rc -eq 2 ] || { echo "FAIL: bad --cars"; exit 1; }
"$BIN" import /etc/hostname --db "$dir/tb.db" 2>"$dir/err"; rc=$?
grep -q "not a format" "$dir/err" && [ $rc -ne 0 ] || { echo "FAIL: import of a non-capture"; exit 1; }
"$BIN" laps 999 --db "$dir/tb.db" 2>"$dir/err"; rc=$?
[ $rc -ne 0 ] || { echo "FAIL: unknown session accepted"; exit 1; }
"$BIN" export 999 --csv - --db "$dir/tb.db" 2>"$dir/err"; rc=$?
[ $rc -ne 0 ] || { echo "FAIL: unknown lap exported"; exit 1; }
"$BIN" frobnicate 2>/dev/null; rc=$?
[ $rc -eq 2 ] || { echo "FAIL: unknown command"; exit 1; }
set -e
"$BIN" export 2 --csv "$dir/lap.csv" --db "$dir/tb.db"
grep -v '^#' "$dir/lap.csv" | sed -n 2p | grep -q "m/s" || { echo "FAIL: no units row"; exit 1; }
"$BIN" export 2 --format ld --out "$dir/lap.ld" --db "$dir/tb.db"
[ -s "$dir/lap.ld" ] && [ -s "$dir/lap.ldx" ] || { echo "FAIL: no .ld/.ldx written"; exit 1; }
"$BIN" import "$dir/lap.ld" --db "$dir/back.db" | grep -q "motec-ld" || { echo "FAIL: .ld import"; exit 1; }
"$BIN" import "$dir/lap.csv" --db "$dir/back.db" | grep -q "csv" || { echo "FAIL: csv import"; exit 1; }
echo "1 passed, 0 failed"
