#!/bin/sh
# Build every libFuzzer harness (fuzz/fuzz_*.c) with clang, ASan and
# UBSan, and run each for FUZZ_SECONDS (default 10: the short run of
# `make test`; `make fuzz FUZZ_SECONDS=600` for a long one). A crash,
# leak or sanitizer report fails the run; the input is kept in
# build-fuzz/crashes/. Corpora grow in build-fuzz/corpus/<name>/.
set -eu
cd "$(dirname "$0")/.."
SECS=${FUZZ_SECONDS:-10}
B=${FUZZ_BUILD:-build-fuzz}
JOBS=$(nproc 2>/dev/null || echo 2)
if ! command -v clang >/dev/null 2>&1; then
	echo "fuzz: clang is not installed (make deps installs it)" >&2
	exit 1
fi
CC=clang cmake -S . -B "$B" -DCMAKE_C_COMPILER=clang \
	-DCMAKE_BUILD_TYPE=Debug -DTB_FUZZ=ON -DTB_SANITIZE=ON >/dev/null
targets=$(ls fuzz/fuzz_*.c | sed 's|fuzz/||; s|\.c$||')
# shellcheck disable=SC2086
cmake --build "$B" -j "$JOBS" --target $targets >"$B/fuzz-build.log" 2>&1 ||
	{ tail -30 "$B/fuzz-build.log"; exit 1; }
mkdir -p "$B/crashes"
pass=0 fail=0
for t in $targets; do
	mkdir -p "$B/corpus/$t"
	if "$B/$t" -max_total_time="$SECS" -max_len=65536 -timeout=10 \
		-artifact_prefix="$B/crashes/$t-" "$B/corpus/$t" \
		>"$B/$t.log" 2>&1; then
		runs=$(grep -oE 'Done [0-9]+ runs' "$B/$t.log" | tail -1)
		echo "fuzz: $t: ok (${runs:-done} in ${SECS}s)"
		pass=$((pass + 1))
	else
		echo "fuzz: $t: FAILED"
		tail -40 "$B/$t.log"
		fail=$((fail + 1))
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
