#!/usr/bin/env bash
# The deployment files, checked without a container engine:
# - deploy/trailbrake.service passes `systemd-analyze verify` (with
#   ExecStart pointed at the binary under test);
# - deploy/trailbrake.conf is read by `serve`, which answers /healthz;
# - every shared library the binary links directly belongs to a Debian
#   package that the Dockerfile's runtime stage installs;
# - compose.yaml and the Dockerfile agree on ports and the config path.
set -euo pipefail
BIN=${TB_BIN:?TB_BIN must name the trailbrake binary}
SRC=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d /tmp/tbdeploy.XXXXXX)
srv=0
cleanup() {
	[ "$srv" -gt 0 ] && kill -9 "$srv" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

# 1. The systemd unit.
if command -v systemd-analyze >/dev/null 2>&1; then
	sed "s#^ExecStart=/usr/local/bin/trailbrake #ExecStart=$BIN #" \
		"$SRC/deploy/trailbrake.service" >"$dir/trailbrake.service"
	grep -q "^ExecStart=$BIN serve --config" "$dir/trailbrake.service" ||
		fail "ExecStart line not found in the unit"
	out=$(systemd-analyze verify "$dir/trailbrake.service" 2>&1 || true)
	# verify prints nothing for a good unit (the sandbox may warn that
	# it cannot talk to a running systemd; those lines are not ours)
	bad=$(grep "trailbrake.service" <<<"$out" || true)
	[ -z "$bad" ] || fail "systemd-analyze verify: $bad"
else
	echo "note: systemd-analyze not installed, unit not verified"
fi

# 2. The configuration file starts a server (flags override the ports
# and the database so the test runs anywhere).
port=$((20000 + RANDOM % 20000))
http=$((port + 1))
"$BIN" serve --config "$SRC/deploy/trailbrake.conf" --db "$dir/tb.db" \
	--udp "$port" --bind 127.0.0.1 --http "$http" 2>"$dir/serve.log" &
srv=$!
ok=0
for _ in $(seq 1 100); do
	sleep 0.1
	if curl -fsS "http://127.0.0.1:$http/healthz" >/dev/null 2>&1; then
		ok=1
		break
	fi
done
[ "$ok" = 1 ] || fail "serve with deploy/trailbrake.conf: no /healthz: $(cat "$dir/serve.log")"
kill -TERM "$srv"
wait "$srv" || fail "serve did not stop cleanly on SIGTERM"
srv=0
# A bad key in the config is refused with the file and line.
printf 'db = x.db\nnot_a_key = 1\n' >"$dir/bad.conf"
if "$BIN" serve --config "$dir/bad.conf" --http 0 2>"$dir/bad.log"; then
	fail "a bad config file was accepted"
fi
grep -q "bad.conf:2" "$dir/bad.log" || fail "config error without file:line: $(cat "$dir/bad.log")"

# 3. Runtime libraries: each NEEDED library's package is in the
# Dockerfile's runtime stage.
runtime=$(sed -n '/^FROM debian:12-slim/,$p' "$SRC/Dockerfile")
[ -n "$runtime" ] || fail "Dockerfile has no debian:12-slim runtime stage"
for lib in $(objdump -p "$BIN" | awk '$1 == "NEEDED" {print $2}'); do
	case "$lib" in
	libc.so.* | libm.so.* | libpthread.so.* | libdl.so.* | librt.so.* | \
		libgcc_s.so.* | ld-linux*) continue ;; # in every Debian image
	# sanitizer runtimes of the test build are not shipped
	libasan.so.* | libubsan.so.* | libstdc++.so.*) continue ;;
	esac
	path=$(ldconfig -p | awk -v l="$lib" '$1 == l && !p {print $NF; p = 1}')
	[ -n "$path" ] || fail "$lib not found by ldconfig"
	pkg=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | sed -n "1s/:.*//p" ||
		true)
	[ -n "$pkg" ] || pkg=$(dpkg -S "*/$lib" 2>/dev/null | sed -n "1s/:.*//p" || true)
	[ -n "$pkg" ] || fail "no package owns $lib"
	grep -qw -- "$pkg" <<<"$runtime" ||
		fail "$lib comes from $pkg, which the Dockerfile's runtime stage does not install"
done

# 4. The files agree with each other.
grep -q '^udp = 20777$' "$SRC/deploy/trailbrake.conf" || fail "conf: udp 20777"
grep -q '^http = 8080$' "$SRC/deploy/trailbrake.conf" || fail "conf: http 8080"
grep -q 'EXPOSE 20777/udp 8080/tcp' "$SRC/Dockerfile" || fail "Dockerfile EXPOSE"
grep -q '"20777:20777/udp"' "$SRC/compose.yaml" || fail "compose UDP port"
grep -q '"8080:8080"' "$SRC/compose.yaml" || fail "compose HTTP port"
grep -q 'targetPort: 8080' "$SRC/deploy/azure/containerapp.yaml" || fail "azure targetPort"
grep -q 'COPY deploy/trailbrake.conf /etc/trailbrake/trailbrake.conf' "$SRC/Dockerfile" ||
	fail "Dockerfile does not install the config the unit uses"
echo "deploy: unit, config, runtime libraries and ports check out"
