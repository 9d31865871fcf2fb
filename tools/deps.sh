#!/bin/sh
# Install the Debian packages trailbrake needs, only those missing.
# Idempotent; runs as root (or through sudo) on Debian 12.
set -eu

# TB_DEPS=build: only what building the binary needs (container images);
# otherwise also the tools the tests use (sanitizer runtime, fuzzing,
# cmocka, tcpdump, the browser).
PKGS="gcc make cmake pkg-config libsqlite3-dev libzstd-dev libmicrohttpd-dev
libpcap-dev libjansson-dev zlib1g-dev libcurl4-openssl-dev libxgboost-dev"
if [ "${TB_DEPS:-all}" != build ]; then
	PKGS="$PKGS clang-format clang libclang-rt-14-dev libcmocka-dev tcpdump
chromium"
fi

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

# The web UI is bundled with Node.js tools from the npm registry; any
# node >= 18 with npm will do (Debian's own if none is installed).
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"

[ -z "$missing" ] && exit 0

echo "deps: installing:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
	else
		echo "deps: need root (or sudo) to install:$missing" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
