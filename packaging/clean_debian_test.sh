#!/usr/bin/env bash
# Try the packaged app on a minimal Debian with no Python at all: `make package-clean-test`.
#
# Makes (once) a minbase Debian 12 in build/clean-debian with debootstrap, adds only the system
# libraries Qt needs to draw (libgl1 libegl1 libxcb1 fontconfig-config), unpacks
# dist/parley-*-linux-*.tar.gz into it, and runs `parley --version`, a chat with the bundled model
# and `parley gui --self-test` (offscreen) inside it. Needs root, debootstrap and access to a
# Debian mirror, so CI does not run it (make package-test is CI's smoke test).
set -euo pipefail
cd "$(dirname "$0")/.."
root=build/clean-debian
archive=$(ls dist/parley-*-linux-*.tar.gz 2>/dev/null | head -n 1)
[ -n "$archive" ] || { echo "no package: run make package first" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "needs debootstrap (apt install debootstrap) and root" >&2; exit 1; }
if [ ! -x "$root/usr/bin/apt-get" ]; then
    rm -rf "$root"
    debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian
fi
rm -rf "$root/opt/parley" "$root/root"/{.config,.local,.cache,data}
tar xzf "$archive" -C "$root/opt"
unshare --mount --propagation private bash -s "$root" <<'INSIDE'
set -euo pipefail
root=$1
mount -t proc proc "$root/proc"; mount --rbind /dev "$root/dev"; mount --rbind /sys "$root/sys"
mount --bind /etc/resolv.conf "$root/etc/resolv.conf"
chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends libgl1 libegl1 libxcb1 fontconfig-config >/dev/null
run() { chroot "$root" env -i HOME=/root PATH=/usr/bin:/bin LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen "$@"; }
echo "Python in the system: $(run sh -c 'find / -xdev \( -name "python3*" -o -name "libpython*" \) -not -path "/opt/*" | wc -l') files"
run /opt/parley/parley --version
run /opt/parley/parley chat --data-dir /root/data --set max_tokens=24 --set seed=1 "hello"
echo
run /opt/parley/parley gui --self-test
INSIDE
echo "The package ran on a minimal Debian without Python."
