#!/bin/sh
# cargo-demo: the A||GO demo app. Says who called it with what, then picks a quote with its
# first parameter (an integer, modulo the number of quotes; default 0) and writes it to
# quote.txt in the current directory.
set -eu

APP=cargo-demo
NQUOTES=5

quote() {
  case $1 in
    0) printf '%s\n' "Nothing in life is to be feared, it is only to be understood." \
      "-- Marie Curie" ;;
    1) printf '%s\n' "Well done is better than well said." \
      "-- Benjamin Franklin, Poor Richard's Almanack" ;;
    2) printf '%s\n' "It is a capital mistake to theorize before one has data." \
      "-- Arthur Conan Doyle, A Scandal in Bohemia" ;;
    3) printf '%s\n' "Life is short, and the Art long; the occasion fleeting; experience fallacious," \
      "and judgment difficult. The physician must not only be prepared to do what is right" \
      "himself, but also to make the patient, the attendants, and externals cooperate." \
      "-- Hippocrates, Aphorisms (translated by Francis Adams)" ;;
    4) printf '%s\n' "If I have seen further it is by standing on the shoulders of Giants." \
      "-- Isaac Newton, letter to Robert Hooke (1675)" ;;
  esac
}

# Index of the quote: the first parameter if it is an integer (at most 18 digits), else 0.
index=0
if [ $# -gt 0 ]; then
  sign=1
  digits=$1
  case $digits in -*) sign=-1 digits=${digits#-} ;; esac
  case $digits in
    '' | *[!0-9]*) ;;
    *)
      # No leading zeros: the shell would read 010 as octal.
      while [ "${digits#0}" != "$digits" ]; do digits=${digits#0}; done
      if [ ${#digits} -le 18 ]; then
        index=$(((sign * ${digits:-0}) % NQUOTES))
        if [ "$index" -lt 0 ]; then index=$((index + NQUOTES)); fi
      fi
      ;;
  esac
fi

printf "This is app '%s' called with parameters '%s'\n" "$APP" "$*"
echo
echo "HERE WHAT I HAVE TO SAY"
echo
echo "***"
echo
quote "$index" | tee quote.txt
