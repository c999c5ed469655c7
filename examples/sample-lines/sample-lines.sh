#!/bin/sh
# sample-lines: keeps a fraction of a text file's lines (the first ones, the last ones, or every
# Nth), optionally numbered, and writes them to sample.txt. Its options are allgo.yaml's typed
# parameters: allgo checks them before the job runs, so this script trusts them.
#   sample-lines [--fraction F] [--from head|tail|spread] [-n] FILE
set -eu
fraction=0.1 from=head number=0
while [ $# -gt 1 ]; do
  case $1 in
    --fraction) fraction=$2; shift 2 ;;
    --from) from=$2; shift 2 ;;
    -n) number=1; shift ;;
    *) echo "sample-lines: unknown option $1" >&2; exit 64 ;;
  esac
done
file=$1
total=$(wc -l < "$file")
keep=$(awk -v t="$total" -v f="$fraction" 'BEGIN { k = int(t * f + 0.5); if (k < 1 && t > 0) k = 1; print k }')
case $from in
  head) head -n "$keep" "$file" ;;
  tail) tail -n "$keep" "$file" ;;
  spread) awk -v t="$total" -v k="$keep" 'k > 0 && (NR - 1) % int(t / k) == 0 && n < k { print; n++ }' "$file" ;;
esac | if [ "$number" = 1 ]; then awk '{ printf "%d\t%s\n", NR, $0 }'; else cat; fi > sample.txt
echo "kept $keep of $total lines of ${file##*/} ($from) in sample.txt"
