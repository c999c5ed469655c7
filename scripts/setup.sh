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
  # The squashfs export of a version's image (GET …/image?format=squashfs).
  need_bin mksquashfs squashfs-tools
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
    # The typed-parameters test validates the CWL export with Debian's cwltool and runs it on
    # the local engine beside an allgo job of the same inputs.
    need_bin cwltool cwltool
    # The Slurm backend's tests start a real cluster on this machine (munge, slurmctld, one
    # slurmd; their services stay stopped, as above) whose jobs run images with podman.
    need_bin sbatch slurm-client
    need_bin slurmctld slurmctld
    need_bin slurmd slurmd
    need_bin munged munge
    need_bin podman podman
    # The image export test runs the squashfs export with Charliecloud.
    need_bin ch-run charliecloud
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

# The other steps, one file each.
for f in docker node build image; do
  # shellcheck source=/dev/null
  source "$ROOT/scripts/setup/$f.sh"
done

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
