#!/bin/sh
# Run every benchmark built in the build dir ($1) and print its report.
set -eu
B=${1:-build}
for b in "$B"/bench_*; do
	[ -x "$b" ] || continue
	echo "== $(basename "$b")"
	"$b"
done
