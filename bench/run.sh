#!/bin/sh
# Run every benchmark built in the build dir ($1), print each report, and
# list at the end the ones that missed a target (exit 1 if any did).
B=${1:-build}
missed=""
for b in "$B"/bench_*; do
	[ -x "$b" ] || continue
	echo "== $(basename "$b")"
	if ! "$b"; then
		missed="$missed $(basename "$b")"
	fi
done
if [ -n "$missed" ]; then
	echo "bench: targets missed by:$missed"
	exit 1
fi
echo "bench: every target met"
