#!/usr/bin/env bash
# allgo setup: make this Debian 12 machine ready to run allgo (and its tests).
#
#   bash scripts/setup.sh              # what `npm start` needs, in order
#   bash scripts/setup.sh --for-tests  # that, plus what the tests need (Chromium): `npm test`
#   bash scripts/setup.sh image        # only some steps: packages docker node build image
#
# Idempotent: every step checks first and acts only when something is missing, so on a ready
# machine it takes well under a second and prints a single line.
#
# Environment:
#   ALLGO_BASE_IMAGE=debian:bookworm   tag of the base image built with debootstrap if missing
#   ALLGO_DEBIAN_MIRROR=URL            mirror for debootstrap (default: the bookworm entry of
#                                      /etc/apt/sources.list.d/debian.sources or sources.list)
#   DOCKER_HOST                        if set, only check that this engine answers
set -euo pipefail

export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

BASE_IMAGE="${ALLGO_BASE_IMAGE:-debian:bookworm}"
BASE_SUITE=bookworm
DEFAULT_MIRROR=http://deb.debian.org/debian
LOCK=/tmp/allgo-setup.lock
APT_LOG=/tmp/allgo-setup-apt.log
DOCKERD_LOG=/var/log/allgo-dockerd.log
SRC_DIRS=(server builder runner cli client schemas common)

ACTED=0
FOR_TESTS=0
STEP_STARTED=$SECONDS
say() { printf 'allgo setup: %s\n' "$*"; ACTED=1; }
die() { printf 'allgo setup: %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }
have() { command -v "$1" >/dev/null 2>&1; }

# Run a command with its output appended to a log file; on failure print the log's tail and exit.
quiet() { # <what> <log> <command...>
  local what=$1 log=$2
  shift 2
  if ! "$@" >>"$log" 2>&1; then
    echo "----- last lines of $log -----" >&2
    tail -n 40 "$log" >&2
    echo "-----" >&2
    die "$what failed (full log: $log)"
  fi
}

# One setup at a time (concurrent test runs, two terminals...). fd 9 holds the lock: it must
# not leak into long-lived children (dockerd), or the next setup would wait forever.
take_lock() {
  [ -e "$LOCK" ] || (umask 0 && : >>"$LOCK") 2>/dev/null || true
  if [ -w "$LOCK" ]; then exec 9>>"$LOCK"; else exec 9<"$LOCK"; fi
  if ! flock -n 9; then
    printf 'allgo setup: waiting for another setup to finish (%s)\n' "$LOCK"
    flock -w 900 9 || die "gave up waiting for $LOCK"
  fi
}

# ---------------------------------------------------------------------------------------------
# Debian packages
MISSING=()
APT_UPDATED=0
add_pkg() {
  local p
  for p in "${MISSING[@]}"; do [ "$p" = "$1" ] && return 0; done
  MISSING+=("$1")
}
need_bin() { have "$1" || add_pkg "$2"; }

step_packages() {
  need_bin git git
  need_bin redis-server redis-server
  need_bin docker docker.io
  if [ -z "${DOCKER_HOST:-}" ]; then need_bin dockerd docker.io; fi
  need_bin debootstrap debootstrap
  # debootstrap only recommends the keyring it needs to check the Release file.
  [ -e /usr/share/keyrings/debian-archive-keyring.gpg ] || add_pkg debian-archive-keyring
  if [ "$FOR_TESTS" = 1 ]; then
    need_bin chromium chromium
    # The multi-host tests: Distribution 2.8 as the image registry, python3 for its htpasswd
    # file (bcrypt through libxcrypt), ip and nsenter for the test hosts.
    need_bin docker-registry docker-registry
    need_bin python3 python3
    need_bin ip iproute2
    need_bin nsenter util-linux
    # The Redis TLS test makes its own certificate authority.
    need_bin openssl openssl
    # The metrics test scrapes a running allgo with Prometheus and checks its alert rules with
    # promtool (the package ships both; its service stays stopped, as above).
    need_bin prometheus prometheus
    need_bin promtool prometheus
  fi
  [ ${#MISSING[@]} -gt 0 ] || return 0
  apt_install "${MISSING[@]}"
}

apt_install() {
  if ! is_root; then
    die "missing $*; run as root or: apt-get install -y $*"
  fi
  say "installing $* (log: $APT_LOG)"
  if [ "$APT_UPDATED" = 0 ]; then
    : >"$APT_LOG"
    quiet "apt-get update" "$APT_LOG" apt-get update -q -o DPkg::Lock::Timeout=300
    APT_UPDATED=1
  fi
  # Packages install their services stopped (policy-rc.d says no): docker-registry's would
  # otherwise listen on :5000, open to anyone. The tests start their own registries; the README
  # says how an operator runs one.
  local policy=/usr/sbin/policy-rc.d made_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made_policy=1
  fi
  local rc=0
  (quiet "apt-get install $*" "$APT_LOG" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 "$@") || rc=$?
  [ "$made_policy" = 1 ] && rm -f "$policy"
  [ "$rc" = 0 ] || exit "$rc"
}

# ---------------------------------------------------------------------------------------------
# Docker engine
docker_ok() { timeout "${1:-20}" docker info >/dev/null 2>&1; }

dockerd_running() {
  local pid
  pid=$(cat /var/run/docker.pid 2>/dev/null) || return 1
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ]
}

step_docker() {
  docker_ok && return 0
  if [ -n "${DOCKER_HOST:-}" ]; then
    die "the Docker engine at DOCKER_HOST=$DOCKER_HOST does not answer (docker info failed)"
  fi
  if ! is_root; then
    if [ -S /var/run/docker.sock ]; then
      die "cannot use the Docker engine at /var/run/docker.sock; add $(id -un) to the docker group or run as root"
    fi
    die "the Docker engine is not running; run this script as root or: systemctl start docker"
  fi
  if dockerd_running; then
    say "Docker engine is starting; waiting for it"
  elif [ -d /run/systemd/system ] && have systemctl && systemctl start docker >/dev/null 2>&1; then
    say "started the Docker engine (systemctl start docker)"
  else
    say "starting the Docker engine (log: $DOCKERD_LOG)"
    # Own session, no terminal, no inherited fds (our lock, a caller's pipes): it must
    # outlive this script and hold nothing of it.
    (
      for fd in /proc/"$BASHPID"/fd/*; do
        fd=${fd##*/}
        if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
      done
      exec setsid nohup dockerd </dev/null >>"$DOCKERD_LOG" 2>&1
    ) &
    disown
  fi
  local deadline=$((SECONDS + 60))
  until docker_ok 5; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      if [ -f "$DOCKERD_LOG" ]; then
        echo "----- last lines of $DOCKERD_LOG -----" >&2
        tail -n 30 "$DOCKERD_LOG" >&2
        echo "-----" >&2
      fi
      die "the Docker engine did not come up within 60 s"
    fi
    sleep 1
  done
}

# ---------------------------------------------------------------------------------------------
# Node dependencies
sqlite_ok() { node -e "new (require('better-sqlite3'))(':memory:').close()" >/dev/null 2>&1; }

# Print a log compactly: npm puts the reason at the top and its usage text at the bottom.
show_log() { # <title> <log>
  echo "----- $1 -----" >&2
  if [ "$(wc -l <"$2")" -le 60 ]; then
    cat "$2" >&2
  else
    head -n 30 "$2" >&2
    echo "[...]" >&2
    tail -n 25 "$2" >&2
  fi
  echo "-----" >&2
}

npm_run() { # <log> <npm args...>
  local log=$1 prefix
  shift
  # A source build of a native addon (node-gyp) downloads Node's headers unless told where
  # they are: use the ones installed next to this node, when there are.
  if [ -z "${npm_config_nodedir:-}" ]; then
    prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
    if [ -f "$prefix/include/node/node_api.h" ]; then export npm_config_nodedir=$prefix; fi
  fi
  npm "$@" --no-audit --no-fund --loglevel=error >>"$log" 2>&1
}

# npm with its output in a log, shown only on failure. One known failure is handled:
# - better-sqlite3 building from source (no prebuilt binary could be downloaded) without a
#   compiler, make or python3: install them (root only) and retry once.
npm_step() { # <what> <npm args...>
  local what=$1 log
  shift
  local args=("$@")
  log=$(mktemp /tmp/allgo-setup-npm.XXXXXX)
  if npm_run "$log" "${args[@]}"; then
    rm -f "$log"
    return 0
  fi
  local tools=()
  have make || tools+=(make)
  have g++ || tools+=(g++)
  have python3 || tools+=(python3)
  if [ ${#tools[@]} -gt 0 ] && is_root && grep -qiE 'gyp|prebuild' "$log"; then
    say "$what needs to compile better-sqlite3; installing ${tools[*]} and retrying"
    apt_install "${tools[@]}"
    : >"$log"
    if npm_run "$log" "${args[@]}"; then
      rm -f "$log"
      return 0
    fi
  fi
  show_log "npm ${args[*]} output" "$log"
  die "$what failed (full log: $log)"
}

step_node() {
  have node || die "node is not installed (Node 20 is required)"
  have npm || die "npm is not installed"
  if [ ! -f node_modules/.package-lock.json ] || [ node_modules/.package-lock.json -ot package-lock.json ]; then
    say "installing Node dependencies (npm ci; building better-sqlite3 from source takes about a minute)"
    npm_step "npm ci" ci
    touch node_modules/.package-lock.json
  fi
  if ! sqlite_ok; then
    say "rebuilding better-sqlite3"
    npm_step "npm rebuild better-sqlite3" rebuild better-sqlite3
    sqlite_ok || die "better-sqlite3 still does not load after a rebuild (try: rm -rf node_modules && npm ci)"
  fi
}

# ---------------------------------------------------------------------------------------------
# TypeScript build (tsconfig.json outputs to dist/)
build_needed() {
  [ -f dist/.buildstamp ] || return 0
  [ tsconfig.json -nt dist/.buildstamp ] && return 0
  local dirs=() d
  for d in "${SRC_DIRS[@]}"; do [ -d "$d" ] && dirs+=("$d"); done
  [ ${#dirs[@]} -gt 0 ] || return 1
  [ -n "$(find "${dirs[@]}" -type f \( -name '*.ts' -o -name '*.mts' -o -name '*.cts' -o -name '*.json' \) \
    -newer dist/.buildstamp -print -quit)" ]
}

step_build() {
  build_needed || return 0
  [ -x node_modules/.bin/tsc ] || die "node_modules/.bin/tsc is missing (run: npm ci)"
  say "compiling TypeScript (tsc -p tsconfig.json)"
  mkdir -p dist
  # Stamp with the time the build started: files edited during the build trigger the next one.
  touch dist/.buildstamp.new
  local log
  log=$(mktemp /tmp/allgo-setup-tsc.XXXXXX)
  if ! npx --no-install tsc -p tsconfig.json >"$log" 2>&1; then
    rm -f dist/.buildstamp.new
    echo "----- tsc output -----" >&2
    head -n 100 "$log" >&2
    echo "-----" >&2
    rm -f "$log"
    die "TypeScript build failed"
  fi
  rm -f "$log"
  mv -f dist/.buildstamp.new dist/.buildstamp
}

# ---------------------------------------------------------------------------------------------
# Base image, built locally with debootstrap (no registry needed)

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

# ---------------------------------------------------------------------------------------------
main() {
  local steps=() s
  for s in "$@"; do
    if [ "$s" = --for-tests ]; then FOR_TESTS=1; else steps+=("$s"); fi
  done
  [ ${#steps[@]} -gt 0 ] || steps=(packages docker node build image)
  for s in "${steps[@]}"; do
    case $s in
      packages | docker | node | build | image) ;;
      *) die "unknown step '$s' (steps: packages docker node build image)" ;;
    esac
  done
  take_lock
  local was
  for s in "${steps[@]}"; do
    was=$ACTED ACTED=0 STEP_STARTED=$SECONDS
    "step_$s"
    # A step that did something says how long it took: a first start takes minutes.
    [ "$ACTED" = 1 ] && printf 'allgo setup: %s step done in %ss\n' "$s" $((SECONDS - STEP_STARTED))
    [ "$was" = 1 ] && ACTED=1
  done
  [ "$ACTED" = 1 ] || echo "allgo setup: ready"
}

main "$@"
