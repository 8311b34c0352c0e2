#!/usr/bin/env bash
# The whole test suite: formatting, vet, unit and CLI tests, a few seconds
# of each fuzz target, and the acceptance script. Run from anywhere.
# FUZZTIME=10s lengthens fuzzing; FUZZTIME=0 skips it.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-5s}

echo "== gofmt"
bad=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './scripts/duckdb/*'))
if [[ -n $bad ]]; then echo "gofmt would change: $bad"; exit 1; fi

echo "== go vet"
go vet ./...

echo "== staticcheck"
sc="honnef.co/go/tools/cmd/staticcheck@v0.8.2"
if go run "$sc" -version > /dev/null 2>&1; then
  go run "$sc" ./...
else
  echo "staticcheck could not be fetched from the module proxy; skipped"
fi

echo "== go test"
go test -count=1 ./...

if [[ $fuzztime != 0 ]]; then
  echo "== fuzz ($fuzztime each)"
  # every Fuzz* target of every package, one at a time
  for pkg in $(go list ./...); do
    dir=$(go list -f '{{.Dir}}' "$pkg")
    for t in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
      echo "-- $pkg $t"
      go test -run '^$' -fuzz "^$t\$" -fuzztime "$fuzztime" "$pkg" > /tmp/lanner-fuzz.log 2>&1 || { cat /tmp/lanner-fuzz.log; exit 1; }
    done
  done
fi

if [[ -d ../shared/acceptance ]]; then
  echo "== acceptance"
  for s in ../shared/acceptance/*.sh; do bash "$s"; done
else
  echo "== acceptance: ../shared/acceptance is absent; skipped"
fi
echo "all tests passed"
