#!/usr/bin/env bash
# Builds the podd-test image: Debian's static busybox with every applet linked in /bin, the
# static testapp, a minimal /etc, and the usual mount points.
#
#   tests/images/build.sh [OUT]      (OUT defaults to /var/lib/podd/images/podd-test)
#
# Writes the OCI layout OUT (tag latest, Cmd ["/bin/sh"]; use oci:OUT) and the same tree as
# the plain directory OUT.rootfs (for dir images: `image: OUT.rootfs`). Does nothing when both
# are newer than every input. Needs root only to install busybox-static or write under /var.
set -euo pipefail

out=${1:-/var/lib/podd/images/podd-test}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
rootfs=$out.rootfs
busybox=/bin/busybox

# A dynamically linked busybox (Debian's "busybox" package) cannot run in the image.
ensure_busybox() {
	if [[ -x $busybox ]] && ! ldd "$busybox" >/dev/null 2>&1; then
		return
	fi
	echo "build.sh: installing busybox-static" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y busybox-static >&2
}

inputs=("$busybox" "${BASH_SOURCE[0]}" "$repo/go.sum" "$repo/tests/testapp" "$repo/tools/mkimage")

up_to_date() {
	local stamp=$out/index.json
	[[ -f $stamp && -d $rootfs ]] || return 1
	[[ -z $(find "${inputs[@]}" -newer "$stamp" -print -quit) ]]
}

stage_rootfs() {
	local dir=$1
	chmod 0755 "$dir"
	mkdir -p "$dir"/{bin,etc,tmp,proc,sys,dev,html,root}
	chmod 1777 "$dir/tmp"
	chmod 0700 "$dir/root"
	install -m 0755 "$busybox" "$dir/bin/busybox"
	local applet
	for applet in $("$busybox" --list); do
		[[ $applet == busybox ]] || ln -sf busybox "$dir/bin/$applet"
	done
	(cd "$repo" && CGO_ENABLED=0 go build -trimpath -buildvcs=false -o "$dir/bin/testapp" ./tests/testapp)
	printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' \
		>"$dir/etc/passwd"
	printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$dir/etc/group"
	echo podd-test >"$dir/etc/hostname"
	echo 'hello from podd-test' >"$dir/html/index.html"
}

main() {
	ensure_busybox
	if up_to_date; then
		echo "build.sh: $out is up to date"
		return
	fi
	mkdir -p "$(dirname "$out")"
	stage=$(mktemp -d "$rootfs.tmp-XXXXXX") # global: the EXIT trap runs after main returns
	trap 'rm -rf "$stage"' EXIT
	stage_rootfs "$stage"
	rm -rf "$rootfs"
	mv "$stage" "$rootfs"
	(cd "$repo" && go run -buildvcs=false ./tools/mkimage -rootfs "$rootfs" -o "$out" -tag latest \
		-cmd /bin/sh -env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
}

main
