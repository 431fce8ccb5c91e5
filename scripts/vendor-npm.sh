#!/bin/sh
# vendor-npm.sh fetches the pinned npm packages ward embeds or tests with
# from the npm registry, checks each tarball against its pinned sha512
# (the registry's "integrity"), and copies the files ward uses and the
# licence into third_party/<package>/. The copies are committed, so
# builds and tests need no network; run this only to change a version.
set -eu
cd "$(dirname "$0")/.."

# dest-dir package version sha512-integrity file-in-tarball...
fetch() {
	dest=$1 pkg=$2 ver=$3 sum=$4
	shift 4
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	curl -fsSL -o "$tmp/pkg.tgz" "https://registry.npmjs.org/$pkg/-/$(basename "$pkg")-$ver.tgz"
	got="sha512-$(openssl dgst -sha512 -binary "$tmp/pkg.tgz" | base64 -w0)"
	if [ "$got" != "$sum" ]; then
		echo "vendor-npm: $pkg@$ver: checksum $got, want $sum" >&2
		exit 1
	fi
	tar -xzf "$tmp/pkg.tgz" -C "$tmp"
	# Only the vendored files are replaced: the directory may hold Go files.
	mkdir -p "$dest"
	for f in "$@"; do cp "$tmp/package/$f" "$dest/"; done
	for l in LICENSE LICENSE.txt LICENSE.md; do
		[ -f "$tmp/package/$l" ] && cp "$tmp/package/$l" "$dest/"
	done
	echo "$pkg@$ver $sum" >"$dest/VERSION"
	rm -rf "$tmp"
	trap - EXIT
}

# axe-core runs inside the browser tests (accessibility checks); it is
# never served by ward.
fetch third_party/axe-core axe-core 4.10.3 sha512-Xm7bpRXnDSX2YE2YFfBk2FnF0ep6tmG7xPh8iHee8MIcrgq762Nkce856dYtJYLkuIoYZvGfTs/PbZhideTcEg== axe.min.js

# uPlot draws the console's charts (issue 11). ward embeds it from
# ui/static/uplot/ and serves it under a content-hashed name.
fetch ui/static/uplot uplot 1.6.32 sha512-KIMVnG68zvu5XXUbC4LQEPnhwOxBuLyW1AHtpm6IKTXImkbLgkMy+jabjLgSLMasNuGGzQm/ep3tOkyTxpiQIw== dist/uPlot.iife.min.js dist/uPlot.min.css
