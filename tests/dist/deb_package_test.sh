#!/usr/bin/env bash
# Issue 23's Debian package, built and checked as an operator would get it:
#   1. `cpack -G DEB` in BUILD_DIR (whose ba-issuer is already built) into a temporary directory;
#   2. the package's fields (Depends exactly what dpkg-shlibdeps finds for the packaged binary),
#      files, conffiles, stripped binary, changelog version, and the unit's required directives
#      (and no Environment= line carrying a secret);
#   3. lintian: no errors (warnings and notes are printed);
#   4. `dpkg -i` on this machine, `/usr/bin/ba-issuer --version`, the secret postinst made,
#      `systemd-analyze verify` and `systemd-analyze security --offline` on the installed unit;
#   5. the unit's own ExecStart, run as an unprivileged user the way systemd would (production
#      mode, the secret from $CREDENTIALS_DIRECTORY, a private state directory, port 0): it
#      serves /jwks and signs a user up and in and issues a token;
#   6. `dpkg --purge` (always, also on failure), after which nothing of the package is left.
# Needs root, cpack, dpkg-dev (dpkg-shlibdeps), lintian, systemd (systemd-analyze), curl, jq.
# Refuses to run when a ba-issuer package is already installed (it would be purged).
#   BA_ISSUER_BIN=BUILD_DIR/ba-issuer tests/dist/deb_package_test.sh BUILD_DIR
# Prints the .deb's path and size.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=$(realpath "${1:?usage: deb_package_test.sh BUILD_DIR}")
unit_path=/usr/lib/systemd/system/ba-issuer.service
started=$(date +%s)

fail() { echo "FAIL: $*" >&2; exit 1; }
trap 'echo "FAIL: line $LINENO: $BASH_COMMAND" >&2' ERR
step() { echo "== $* ($(( $(date +%s) - started )) s)"; }

for tool in cpack dpkg dpkg-deb dpkg-shlibdeps lintian systemd-analyze curl jq readelf setpriv; do
  command -v "$tool" >/dev/null || fail "$tool is not installed"
done
[ "$(id -u)" = 0 ] || fail "needs root (it installs the package with dpkg -i, then purges it)"
[ -f "$build_dir/CPackConfig.cmake" ] || fail "$build_dir has no CPackConfig.cmake (configure it)"
[ -n "${BA_ISSUER_BIN:-}" ] || fail "BA_ISSUER_BIN is not set"
if dpkg-query -W -f='${Status}' ba-issuer 2>/dev/null | grep -q 'installed'; then
  fail "a ba-issuer package is installed already; this test would purge it"
fi

work=$(mktemp -d)
installed=no
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ "$installed" = yes ]; then dpkg --purge ba-issuer >/dev/null 2>&1 || echo "cleanup: dpkg --purge ba-issuer failed" >&2; fi
  rm -rf "$work"
}
trap cleanup EXIT

# 1. The package.
step "cpack -G DEB in $build_dir"
if ! (cd "$build_dir" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1); then
  cat "$work/cpack.log" >&2
  fail "cpack failed"
fi
debs=("$work"/out/*.deb)
[ "${#debs[@]}" = 1 ] && [ -f "${debs[0]}" ] || fail "expected one .deb in $work/out, got: ${debs[*]}"
deb=${debs[0]}
version=$("$BA_ISSUER_BIN" --version | awk '{print $2}')
[ "$(basename "$deb")" = "ba-issuer_${version}_$(dpkg --print-architecture).deb" ] ||
  fail "unexpected file name $(basename "$deb")"

# 2. Fields, files, control files, unit.
step "fields and files of $(basename "$deb")"
field() { dpkg-deb --field "$deb" "$1"; }
[ "$(field Package)" = ba-issuer ] || fail "Package is $(field Package)"
[ "$(field Version)" = "$version" ] || fail "Version $(field Version), the binary says $version"
for name in Maintainer Section Priority Description Depends Installed-Size; do
  [ -n "$(field "$name")" ] || fail "no $name field"
done
[ "$(field Recommends)" = libpq5 ] || fail "Recommends is '$(field Recommends)', not libpq5 (dlopen()ed for postgres://)"

dpkg-deb -x "$deb" "$work/root"
dpkg-deb -e "$deb" "$work/control"
# Depends must be exactly what dpkg-shlibdeps says about the packaged binary: generated, never
# hand-written (dpkg-shlibdeps wants a debian/control to run beside).
mkdir -p "$work/shlibdeps/debian"
printf 'Source: ba-issuer\n\nPackage: ba-issuer\nArchitecture: any\n' >"$work/shlibdeps/debian/control"
(cd "$work/shlibdeps" && dpkg-shlibdeps -O "$work/root/usr/bin/ba-issuer") >"$work/shlibdeps.out" \
  2>"$work/shlibdeps.log" || { cat "$work/shlibdeps.log" >&2; fail "dpkg-shlibdeps failed"; }
shlibdeps=$(sed -n 's/^shlibs:Depends=//p' "$work/shlibdeps.out")
[ -n "$shlibdeps" ] || fail "dpkg-shlibdeps found no dependencies"
[ "$(field Depends)" = "$shlibdeps" ] ||
  fail "Depends '$(field Depends)' is not dpkg-shlibdeps' '$shlibdeps'"
for lib in libc6 libsodium23 libssl3 libsqlite3-0; do
  grep -q "\b$lib\b" <<<"$shlibdeps" || fail "Depends lacks $lib"
done

contents=$(dpkg-deb --contents "$deb")
for path in ./usr/bin/ba-issuer ./usr/share/man/man1/ba-issuer.1.gz ./etc/ba-issuer/config.json \
    ".$unit_path" ./usr/share/doc/ba-issuer/copyright ./usr/share/doc/ba-issuer/changelog.gz; do
  grep -q " $path\$" <<<"$contents" || fail "the package has no $path"
done
if grep -v ' root/root ' <<<"$contents" | grep -q .; then fail "files not owned by root/root"; fi
if grep -q 'ba-issuer\.1$' <<<"$contents"; then fail "an uncompressed man page is packaged"; fi
[ "$(cat "$work/control/conffiles")" = /etc/ba-issuer/config.json ] ||
  fail "conffiles is not exactly /etc/ba-issuer/config.json: $(cat "$work/control/conffiles")"
for script in postinst prerm postrm; do
  [ -x "$work/control/$script" ] || fail "no executable $script"
done
if readelf -S "$work/root/usr/bin/ba-issuer" | grep -qE '\.symtab|\.debug_'; then
  fail "the packaged binary is not stripped"
fi
changelog_version=$(zcat "$work/root/usr/share/doc/ba-issuer/changelog.gz" | head -1 | sed -n 's/^ba-issuer (\([^)]*\)).*/\1/p')
[ "$changelog_version" = "$version" ] ||
  fail "deploy/debian/changelog's newest entry is '$changelog_version', the package $version: add an entry"
config="$work/root/etc/ba-issuer/config.json"
jq -e . "$config" >/dev/null || fail "config.json is not JSON"
if jq -e 'has("secret")' "$config" >/dev/null; then fail "config.json (world-readable) holds a secret"; fi

unit="$work/root$unit_path"
for directive in DynamicUser=yes StateDirectory=ba-issuer ProtectSystem=strict NoNewPrivileges=yes \
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' SystemCallFilter=@system-service \
    LoadCredential=secret:/etc/ba-issuer/secret PrivateTmp=yes PrivateDevices=yes ProtectHome=yes \
    ProtectKernelTunables=yes ProtectKernelModules=yes ProtectKernelLogs=yes \
    ProtectControlGroups=yes RestrictNamespaces=yes LockPersonality=yes \
    MemoryDenyWriteExecute=yes RestrictRealtime=yes RestrictSUIDSGID=yes CapabilityBoundingSet= \
    UMask=0077 Restart=on-failure; do
  grep -qxF "$directive" "$unit" || fail "the unit lacks '$directive'"
done
if grep -E '^(Environment|EnvironmentFile|PassEnvironment|SetCredential)=' "$unit" |
    grep -qiE 'secret|AUTH_|EnvironmentFile|SetCredential'; then
  fail "the unit carries a secret in its environment: $(grep -E '^Environment' "$unit")"
fi
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
[ "$exec_start" = "/usr/bin/ba-issuer --config /etc/ba-issuer/config.json --db /var/lib/ba-issuer/ba-issuer.db --host 127.0.0.1 --port 3000" ] ||
  fail "unexpected ExecStart: $exec_start"

# 3. lintian.
step "lintian"
if ! lintian --fail-on error --pedantic --display-info "$deb" >"$work/lintian.log" 2>&1; then
  cat "$work/lintian.log" >&2
  fail "lintian reports errors"
fi
grep -v 'running with root privileges' "$work/lintian.log" || true
if grep -q '^E:' "$work/lintian.log"; then fail "lintian reports errors"; fi

# 4. Installed on this machine.
step "dpkg -i"
installed=yes
dpkg -i "$deb" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; fail "dpkg -i failed"; }
[ "$(command -v ba-issuer)" = /usr/bin/ba-issuer ] || fail "ba-issuer on PATH is $(command -v ba-issuer)"
[ "$(/usr/bin/ba-issuer --version)" = "ba-issuer $version" ] || fail "/usr/bin/ba-issuer --version: $(/usr/bin/ba-issuer --version)"
[ -f "$unit_path" ] || fail "$unit_path is not installed"
secret=/etc/ba-issuer/secret
[ "$(stat -c '%a %U %G' "$secret")" = "600 root root" ] || fail "$secret is $(stat -c '%a %U %G' "$secret")"
[ "$(tr -d '\n' <"$secret" | wc -c)" -ge 32 ] || fail "$secret is shorter than 32 characters"
[ -L /etc/systemd/system/multi-user.target.wants/ba-issuer.service ] || fail "postinst did not enable the unit"

step "systemd-analyze verify $unit_path"
if ! (cd "$work" && systemd-analyze verify "$unit_path") >"$work/verify.log" 2>&1; then
  cat "$work/verify.log" >&2
  fail "systemd-analyze verify failed"
fi
if [ -s "$work/verify.log" ]; then cat "$work/verify.log" >&2; fail "systemd-analyze verify complained"; fi
systemd-analyze security --offline=yes "$unit_path" >"$work/security.log" 2>&1 ||
  { cat "$work/security.log" >&2; fail "systemd-analyze security failed"; }
exposure=$(sed -n 's/.*Overall exposure level for ba-issuer.service: \([0-9.]*\).*/\1/p' "$work/security.log")
echo "systemd-analyze security: exposure $exposure"
awk -v e="$exposure" 'BEGIN { exit !(e != "" && e <= 2.0) }' || fail "exposure '$exposure' is above 2.0"

# 5. The unit's ExecStart as its dynamic user would run it: unprivileged, NODE_ENV=production
# and nothing else in the environment, the secret only as the credential file.
step "the unit's ExecStart, unprivileged, with the credential"
read -r -a command <<<"$exec_start"
for i in "${!command[@]}"; do
  case "${command[$i]}" in
    --db) command[$((i + 1))]="$work/state/ba-issuer.db" ;;
    --port) command[$((i + 1))]=0 ;;
  esac
done
mkdir -p "$work/state" "$work/credentials"
cp "$secret" "$work/credentials/secret"
chmod 0400 "$work/credentials/secret"
chmod 0711 "$work"
chown -R nobody:nogroup "$work/state" "$work/credentials"
(cd "$work/state" && exec env -i NODE_ENV=production CREDENTIALS_DIRECTORY="$work/credentials" \
  PATH=/usr/bin:/bin setpriv --reuid=nobody --regid=nogroup --clear-groups "${command[@]}") \
  >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  grep -q '^listening on ' "$work/server.log" && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; fail "the server exited"; }
  sleep 0.1
done
origin=$(sed -n 's/^listening on //p' "$work/server.log")
[ -n "$origin" ] || { cat "$work/server.log" >&2; fail "no ready line in 10 s"; }
keys=$(curl -sf "$origin/api/auth/jwks" | jq '.keys | length')
[ "$keys" -ge 1 ] || fail "/api/auth/jwks has no keys"
json='content-type: application/json'
user='{"email":"dana@example.com","password":"correct horse battery","name":"Dana"}'
curl -sf -o /dev/null -H "$json" -d "$user" "$origin/api/auth/sign-up/email" || fail "sign-up failed"
curl -sf -o /dev/null -c "$work/jar" -H "$json" -d '{"email":"dana@example.com","password":"correct horse battery"}' \
  "$origin/api/auth/sign-in/email" || fail "sign-in failed"
curl -sf -b "$work/jar" "$origin/api/auth/token" | jq -e '.token | length > 0' >/dev/null || fail "no token"
[ "$(stat -c '%a %U' "$work/state/ba-issuer.db")" = "600 nobody" ] || fail "the database is $(stat -c '%a %U' "$work/state/ba-issuer.db")"
kill "$server_pid"
wait "$server_pid" || fail "the server did not stop cleanly on SIGTERM"
server_pid=

# 6. Purged, nothing left.
step "dpkg --purge"
dpkg --purge ba-issuer >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; fail "dpkg --purge failed"; }
installed=no
for path in /usr/bin/ba-issuer "$unit_path" /etc/ba-issuer /var/lib/ba-issuer /var/lib/private/ba-issuer \
    /etc/systemd/system/multi-user.target.wants/ba-issuer.service /etc/systemd/system/ba-issuer.service; do
  if [ -e "$path" ] || [ -L "$path" ]; then fail "$path is left after purge"; fi
done
if ls /var/lib/systemd/deb-systemd-helper-enabled /var/lib/systemd/deb-systemd-helper-masked 2>/dev/null |
    grep -q ba-issuer; then
  fail "deb-systemd-helper state is left after purge"
fi

echo "deb: $(basename "$deb"), $(stat -c %s "$deb") bytes ($(( $(stat -c %s "$deb") / 1024 )) KiB), installed size $(field Installed-Size) KiB"
echo "Depends: $(field Depends)"
step "PASS"
