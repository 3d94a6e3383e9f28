#!/usr/bin/env bash
# Reads a `deno test` log (file argument or stdin) and prints one plain line:
#   tests: N passed, M failed
# summing every Deno summary line in the log (a task may run `deno test` more than once).
# Deno's summary looks like, after ANSI colours are stripped:
#   ok | 12 passed | 0 failed (1s)
#   ok | 12 passed (3 steps) | 0 failed | 2 ignored | 1 filtered out (1s)
#   FAILED | 10 passed | 2 failed (1 step) (1s)
# Exit status: 0 when every summary says ok and nothing failed; 1 when a summary says FAILED or
# counts a failure; 2 when there is no summary line at all (the run died before reporting).
set -euo pipefail

sed -e 's/\x1b\[[0-9;]*[A-Za-z]//g' -e 's/\r$//' -- "${1:-/dev/stdin}" | awk '
  /^(ok|FAILED) \| [0-9]+ passed/ {
    found++
    if ($1 == "FAILED") bad = 1
    n = split($0, fields, "|")
    for (i = 2; i <= n; i++) {
      if (match(fields[i], /^ *[0-9]+ passed/)) passed += fields[i] + 0
      if (match(fields[i], /^ *[0-9]+ failed/)) failed += fields[i] + 0
      if (match(fields[i], /^ *[0-9]+ ignored/)) ignored += fields[i] + 0
    }
  }
  END {
    if (!found) {
      print "tests: no deno test summary line found"
      exit 2
    }
    if (ignored > 0) printf "tests: %d ignored\n", ignored
    printf "tests: %d passed, %d failed\n", passed, failed
    exit (bad || failed > 0) ? 1 : 0
  }
'
