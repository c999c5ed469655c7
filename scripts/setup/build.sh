# allgo setup, the build step: TypeScript build (tsconfig.json outputs to dist/). Sourced by scripts/setup.sh, which
# defines the helpers (say, die, quiet, have, is_root) and the settings used here.
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

