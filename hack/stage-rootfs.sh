#!/usr/bin/env bash
# Lays out the root filesystem of a from-scratch image: one binary, the shared libraries `ldd`
# names for it (at the paths ldd names them by), and optionally a non-root user and CA
# certificates. Used by hack/build-images.sh here and by the Containerfile on other hosts, so
# both make the same image.
#
#   hack/stage-rootfs.sh ROOTFS BINARY DEST [--user UID] [--ca-certificates]
set -euo pipefail
rootfs=$1 binary=$2 dest=$3
shift 3

install -D -m 0755 "$(readlink -f "$binary")" "$rootfs$dest"
while read -r lib; do
  [[ -n $lib ]] || continue
  install -D -m 0755 "$(readlink -f "$lib")" "$rootfs$lib"
done < <(ldd "$binary" 2>/dev/null | awk '/=> \// {print $3} /^[[:space:]]*\/[^ ]+ \(/ {print $1}')

while (($#)); do
  case $1 in
  --user)
    # /etc/passwd and /etc/group name the user, so tools that look it up (and people reading
    # `ps`) see a name; the runtime needs only the numeric id.
    mkdir -p "$rootfs/etc"
    printf 'root:x:0:0:root:/:/sbin/nologin\nnonroot:x:%s:%s:nonroot:/:/sbin/nologin\n' "$2" "$2" \
      >"$rootfs/etc/passwd"
    printf 'root:x:0:\nnonroot:x:%s:\n' "$2" >"$rootfs/etc/group"
    install -d -m 1777 "$rootfs/tmp"
    shift 2
    ;;
  --ca-certificates)
    install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
    shift
    ;;
  *)
    echo "stage-rootfs.sh: unknown option $1" >&2
    exit 2
    ;;
  esac
done
