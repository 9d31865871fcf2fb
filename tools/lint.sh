#!/bin/sh
# Banned-function lint (docs/STYLE: unsafe string calls, atoi/atof, and
# exit/abort/printing inside library modules).
set -eu
cd "$(dirname "$0")/.."
fail=0
bad=$(grep -rnE '\b(sprintf|vsprintf|strcpy|strcat|strncpy|strtok|atoi|atof|atol|gets)[[:space:]]*\(' \
	--include='*.c' --include='*.h' src tests bench 2>/dev/null |
	grep -vE '\b(snprintf|vsnprintf)\b' || true)
if [ -n "$bad" ]; then
	echo "lint: banned functions:"
	echo "$bad"
	fail=1
fi
# Library modules never print, exit or abort: only cli/ and server/main do.
lib=$(grep -rnE '\b(printf|puts|exit|abort)[[:space:]]*\(|fprintf[[:space:]]*\([[:space:]]*std(out|err)' \
	src/core src/ingest src/formats src/store 2>/dev/null |
	grep -vE 'snprintf|vsnprintf|/\*|^\s*\*' || true)
if [ -n "$lib" ]; then
	echo "lint: printing or exiting inside a library module:"
	echo "$lib"
	fail=1
fi
if [ "$fail" -ne 0 ]; then
	exit 1
fi
echo "lint: ok"
