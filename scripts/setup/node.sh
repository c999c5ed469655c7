# allgo setup, the node step: Node dependencies. Sourced by scripts/setup.sh, which
# defines the helpers (say, die, quiet, have, is_root) and the settings used here.
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

