#!/bin/sh
# hello: the smallest allgo app. Greets, echoes its arguments, lists the input files it was
# given and writes hello.txt. Runs as any user, with the job folder as current directory.
set -eu

echo "Hello from allgo!"

n=0
for arg in "$@"; do
  n=$((n + 1))
  printf 'arg[%d]=%s\n' "$n" "$arg"
done

found=0
for f in *; do
  # Only regular files; not the platform's log nor our own output of an earlier run.
  if [ ! -f "$f" ] || [ -L "$f" ]; then continue; fi
  case $f in allgo.log | hello.txt) continue ;; esac
  if [ "$found" -eq 0 ]; then echo "input files:"; fi
  found=1
  printf '  %s (%d bytes)\n' "$f" "$(wc -c <"$f")"
done
if [ "$found" -eq 0 ]; then echo "no input files"; fi

printf 'hello %s\n' "${1:-world}" >hello.txt
echo "wrote hello.txt"
