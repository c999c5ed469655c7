# allgo setup, the docker step: Docker engine. Sourced by scripts/setup.sh, which
# defines the helpers (say, die, quiet, have, is_root) and the settings used here.
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

