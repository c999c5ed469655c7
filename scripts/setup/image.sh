# allgo setup, the image step: Base image, built locally with debootstrap (no registry needed). Sourced by scripts/setup.sh, which
# defines the helpers (say, die, quiet, have, is_root) and the settings used here.
# First http(s)/file URI of a "deb" entry for $BASE_SUITE in a deb822 .sources file.
mirror_deb822() {
  local file=$1 line key val types="" uris="" suites="" enabled=yes
  local -a lines=()
  mapfile -t lines <"$file"
  lines+=("") # flush the last stanza
  for line in "${lines[@]}"; do
    line=${line%$'\r'}
    if [[ $line =~ ^[[:space:]]*$ ]]; then
      if [ -n "$uris" ] && [ "${enabled,,}" != no ] && [[ " $types " == *" deb "* ]] &&
        [[ " $suites " == *" $BASE_SUITE "* ]]; then
        for val in $uris; do
          if [[ $val =~ ^(https?|file):/ ]]; then
            printf '%s\n' "$val"
            return 0
          fi
        done
      fi
      types="" uris="" suites="" enabled=yes
      continue
    fi
    [[ $line =~ ^# ]] && continue
    if [[ $line =~ ^([A-Za-z-]+):[[:space:]]*(.*)$ ]]; then
      key=${BASH_REMATCH[1],,}
      val=${BASH_REMATCH[2]}
      case $key in
        types) types=$val ;;
        uris) uris=$val ;;
        suites) suites=$val ;;
        enabled) enabled=$val ;;
      esac
    fi
  done
  return 1
}

# First URI of a one-line "deb" entry for $BASE_SUITE in a sources.list file.
mirror_list() {
  local file=$1 line
  local -a w
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%%#*}
    read -r -a w <<<"$line" || true
    if [ ${#w[@]} -lt 3 ] || [ "${w[0]}" != deb ]; then continue; fi
    w=("${w[@]:1}")
    if [[ ${w[0]} == "["* ]]; then # skip "[ options ]", one or several words
      while [ ${#w[@]} -gt 0 ] && [[ ${w[0]} != *"]" ]]; do w=("${w[@]:1}"); done
      w=("${w[@]:1}")
    fi
    if [ ${#w[@]} -ge 2 ] && [ "${w[1]}" = "$BASE_SUITE" ] && [[ ${w[0]} =~ ^(https?|file):/ ]]; then
      printf '%s\n' "${w[0]}"
      return 0
    fi
  done <"$file"
  return 1
}

find_mirror() {
  local m=""
  if [ -r /etc/apt/sources.list.d/debian.sources ]; then
    m=$(mirror_deb822 /etc/apt/sources.list.d/debian.sources) || m=""
  fi
  if [ -z "$m" ] && [ -r /etc/apt/sources.list ]; then
    m=$(mirror_list /etc/apt/sources.list) || m=""
  fi
  m=${m%/}
  printf '%s\n' "${m:-$DEFAULT_MIRROR}"
}

ROOTFS=""
cleanup_rootfs() {
  [ -n "$ROOTFS" ] && [ -d "$ROOTFS" ] || return 0
  # debootstrap mounts proc/sys in the target; never delete through a mount.
  local mnt
  awk -v p="$ROOTFS/" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r |
    while IFS= read -r mnt; do umount -l "$mnt" 2>/dev/null || true; done
  rm -rf --one-file-system "$ROOTFS"
  ROOTFS=""
}

step_image() {
  docker image inspect "$BASE_IMAGE" >/dev/null 2>&1 && return 0
  is_root || die "the base image $BASE_IMAGE is missing; run this script as root to build it (debootstrap)"
  have debootstrap || die "debootstrap is missing (run: bash scripts/setup.sh packages)"
  local mirror log
  mirror=${ALLGO_DEBIAN_MIRROR:-$(find_mirror)}
  log=/tmp/allgo-setup-debootstrap.log
  say "building base image $BASE_IMAGE with debootstrap from $mirror (takes ~30 s)"
  ROOTFS=$(mktemp -d /var/tmp/allgo-rootfs.XXXXXX)
  trap cleanup_rootfs EXIT
  trap 'exit 130' INT TERM HUP
  : >"$log"
  quiet "debootstrap" "$log" debootstrap --variant=minbase "$BASE_SUITE" "$ROOTFS" "$mirror"
  if ! tar --numeric-owner -C "$ROOTFS" -c . 2>>"$log" |
    docker import -c 'CMD ["bash"]' - "$BASE_IMAGE" >>"$log" 2>&1; then
    tail -n 20 "$log" >&2
    die "docker import of $BASE_IMAGE failed (full log: $log)"
  fi
  cleanup_rootfs
  trap - EXIT INT TERM HUP
  rm -f "$log"
}

