#!/usr/bin/env bash
# Makes the npm package ba-issuer-VERSION.tgz from a built binary: copies this package's files
# into a staging directory, adds a stripped copy of BINARY as bin/<platform>-<arch>/ba-issuer
# with every shared library it needs except glibc's in bin/<platform>-<arch>/lib/ (found there
# through RPATH $ORIGIN/lib), so the tarball installs offline and runs on any x64 Linux with
# glibc as new as the build machine's; takes the version from `BINARY --version`; runs
# `npm pack --pack-destination OUTDIR` and prints the tarball's path.
#   clients/node/pack.sh BINARY OUTDIR
# Needs: node, npm, strip (binutils), patchelf, ldd (libc-bin).
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 BINARY OUTDIR" >&2
  exit 2
fi
binary=$1
outdir=$2
here=$(cd "$(dirname "$0")" && pwd)

for tool in node npm strip patchelf ldd; do
  command -v "$tool" >/dev/null || { echo "pack.sh: $tool is required and was not found" >&2; exit 1; }
done
[ -x "$binary" ] || { echo "pack.sh: $binary is not an executable file" >&2; exit 1; }
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)

# glibc's own libraries: the one thing the package takes from the machine.
is_glibc() {
  case "$1" in
    libc.so.* | libm.so.* | ld-linux*.so.* | libpthread.so.* | libdl.so.* | librt.so.* | \
      libresolv.so.* | libutil.so.* | linux-vdso.so.*) return 0 ;;
  esac
  return 1
}

# Copies each library `ldd` resolves for $1 (the whole closure), glibc's excepted, into $2.
bundle_libraries() {
  local name path
  ldd "$1" | awk '$2 == "=>" { print $1, $3 }' | while read -r name path; do
    if [ "$path" = "not" ]; then
      echo "pack.sh: $1 needs $name, which is not found on this machine" >&2
      exit 1
    fi
    is_glibc "$name" || install -m 0644 "$(readlink -f "$path")" "$2/$name"
  done
}

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
cp "$here"/package.json "$here"/README.md "$here"/*.js "$here"/*.d.ts "$staging"/
platform=$(node -p 'process.platform + "-" + process.arch')
bindir=$staging/bin/$platform
mkdir -p "$bindir/lib"
strip -o "$bindir/ba-issuer" "$binary"
chmod 0755 "$bindir/ba-issuer"
bundle_libraries "$binary" "$bindir/lib"
# DT_RPATH, not RUNPATH: it also applies to the libraries' own dependencies.
patchelf --force-rpath --set-rpath '$ORIGIN/lib' "$bindir/ba-issuer"

version=$("$bindir/ba-issuer" --version | awk '{ print $2 }')
[ -n "$version" ] || { echo "pack.sh: $binary --version printed no version" >&2; exit 1; }
(cd "$staging" && npm pkg set "version=$version" >/dev/null)

tarball=$(cd "$staging" && npm pack --silent --pack-destination "$outdir" | tail -n 1)
echo "$outdir/$tarball"
