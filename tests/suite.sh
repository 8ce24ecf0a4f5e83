#!/usr/bin/env bash
# `make test`: the whole suite on SQLite and, when PARTA_TEST_DATABASE_URL names a PostgreSQL
# server, on PostgreSQL; then the date-sensitive tests (marker `dates`, tests/conftest.py) on
# SQLite with the demo seeded on each of TEST_DATES (PARTA_TODAY for the whole pytest process).
#
# The PostgreSQL run goes side by side with the SQLite runs (TEST_SIDE_BY_SIDE=0: one after the
# other); each run's output is printed in one piece under a header naming its engine and date
# when it ends. Every run goes on when another fails; the summary lists each run with its
# result and time, and the exit status is non-zero when any run failed.
#
#   TEST_WORKERS   pytest-xdist workers per run (default 2; 0 or 1: none)
#   TEST_DATES     the fixed dates (default: the first school day, a Sunday in the autumn
#                  holidays, the last day of the 2nd quarter, the last school day)
#   PARTA_TODAY    the date of the whole-suite runs (default: the real date)
#   TEST_WHOLE     0: only the date runs (make test-dates)
#   PYTEST_ARGS    more pytest arguments for every run (e.g. -x, or --test-order=random)
set -u
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
WORKERS=${TEST_WORKERS:-2}
DATES=${TEST_DATES-2026-09-01 2026-11-01 2026-12-28 2027-05-31}
SIDE_BY_SIDE=${TEST_SIDE_BY_SIDE:-1}
WHOLE=${TEST_WHOLE:-1}
SERVER=${PARTA_TEST_DATABASE_URL:-}
TODAY=${PARTA_TODAY:-}
LOGS=$(mktemp -d "${TMPDIR:-/tmp}/parta-test.XXXXXX")

xdist=()
if [ "$WORKERS" -gt 1 ] 2>/dev/null; then xdist=(-n "$WORKERS" --dist worksteal); fi

results=()
failed=0

# run LABEL LOG [VAR=value ...] -- [pytest arguments]: one pytest process, its output into LOG
run() {
  local label=$1 log=$2; shift 2
  local vars=()
  while [ "$1" != "--" ]; do vars+=("$1"); shift; done; shift
  local start=$SECONDS status
  env "${vars[@]}" "$PY" -m pytest -q -p no:cacheprovider ${xdist[@]+"${xdist[@]}"} ${PYTEST_ARGS:-} "$@" >"$log" 2>&1
  status=$?
  echo "$status $((SECONDS - start))" >"$log.status"
}

# report LABEL LOG: prints the run's output under its header and records its result
report() {
  local label=$1 log=$2 status seconds
  read -r status seconds <"$log.status"
  echo
  echo "======== [$label] ========"
  cat "$log"
  if [ "$status" -eq 0 ]; then
    results+=("PASSED  $label  (${seconds}s)")
  else
    results+=("FAILED  $label  (${seconds}s, exit status $status)")
    failed=1
  fi
}

today_label=${TODAY:-the real date}
suite_start=$SECONDS

trap 'rm -rf "$LOGS"' EXIT

postgres_pid=""
if [ "$WHOLE" != "1" ]; then
  SERVER=""
fi
if [ -n "$SERVER" ]; then
  pg_label="PostgreSQL, $today_label: the whole suite"
  if [ "$SIDE_BY_SIDE" = "1" ]; then
    echo "Started: [$pg_label] (printed when it ends)"
    run "$pg_label" "$LOGS/postgres" PARTA_TODAY="$TODAY" PARTA_TEST_DATABASE_URL="$SERVER" -- &
    postgres_pid=$!
  fi
fi

if [ "$WHOLE" = "1" ]; then
  sqlite_label="SQLite, $today_label: the whole suite"
  echo "Running: [$sqlite_label]"
  run "$sqlite_label" "$LOGS/sqlite" PARTA_TODAY="$TODAY" PARTA_TEST_DATABASE_URL= --
  report "$sqlite_label" "$LOGS/sqlite"
fi

for day in $DATES; do
  label="SQLite, $day: the date-sensitive tests (-m dates)"
  echo "Running: [$label]"
  run "$label" "$LOGS/sqlite-$day" PARTA_TODAY="$day" PARTA_TEST_DATABASE_URL= -- -m dates
  report "$label" "$LOGS/sqlite-$day"
done

if [ -n "$SERVER" ]; then
  if [ -n "$postgres_pid" ]; then
    wait "$postgres_pid"
  else
    echo "Running: [$pg_label]"
    run "$pg_label" "$LOGS/postgres" PARTA_TODAY="$TODAY" PARTA_TEST_DATABASE_URL="$SERVER" --
  fi
  report "$pg_label" "$LOGS/postgres"
elif [ "$WHOLE" = "1" ]; then
  results+=("SKIPPED PostgreSQL: PARTA_TEST_DATABASE_URL is not set")
fi

echo
echo "======== make test: $((SECONDS - suite_start))s in all ========"
printf '%s\n' "${results[@]}"
exit "$failed"
