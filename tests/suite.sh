#!/usr/bin/env bash
# `make test`: every test once per engine and the date-sensitive ones on fixed dates.
#
#   PostgreSQL (PARTA_TEST_DATABASE_URL), the real date: the whole suite but a few tests whose
#     subject lies outside the engine (marker `once_sqlite`: a PDF's layout, a client library),
#     which the SQLite run takes (the PostgreSQL run is the longer one).
#   SQLite, the real date: the rest — not the date-sensitive tests (marker `dates`), which run
#     on TEST_DATES instead, nor the tests of Chromium, Redis, gunicorn and the like (marker
#     `once`, tests/conftest.py), which PostgreSQL runs.
#   SQLite, each of TEST_DATES: the date-sensitive tests with the demo seeded on that date
#     (PARTA_TODAY for the whole pytest process).
# Without a PostgreSQL server the SQLite run takes the `once` tests too; with TEST_DATES empty,
# the date-sensitive tests on the real date.
#
# The PostgreSQL and SQLite runs go side by side (TEST_SIDE_BY_SIDE=0: one after the other); the
# date runs start, all at once with TEST_DATE_WORKERS each, as soon as the SQLite run ends (the
# PostgreSQL run, the longer one, is still going: the cores stay busy while each date run seeds its
# demo; one after the other: after the PostgreSQL run). Each run's output is printed in one piece under a header naming its engine and
# date when it ends. Every run goes on when another fails; the summary lists each run with its
# result and time, and the exit status is non-zero when any run failed.
#
#   TEST_WORKERS       pytest-xdist workers of the whole-suite runs (default 2; 0 or 1: none)
#   TEST_DATE_WORKERS  workers of each date run (default 1)
#   TEST_DATES         the fixed dates (default: the first school day, a Sunday in the autumn
#                      holidays, the last day of the 2nd quarter, the last school day)
#   PARTA_TODAY        the date of the whole-suite runs (default: the real date)
#   TEST_WHOLE         0: only the date runs (make test-dates)
#   PYTEST_ARGS        more pytest arguments for every run (e.g. -x, or --test-order=random)
set -u
cd "$(dirname "$0")/.."
# bytecode caches written (__pycache__/, ignored by git): each run's collection reuses the rewritten test
# modules of the runs before it (16 s of a process's collection instead of 5)
unset PYTHONDONTWRITEBYTECODE

PY=${PY:-.venv/bin/python}
WORKERS=${TEST_WORKERS:-2}
DATE_WORKERS=${TEST_DATE_WORKERS:-1}
DATES=${TEST_DATES-2026-09-01 2026-11-01 2026-12-28 2027-05-31}
SIDE_BY_SIDE=${TEST_SIDE_BY_SIDE:-1}
WHOLE=${TEST_WHOLE:-1}
SERVER=${PARTA_TEST_DATABASE_URL:-}
TODAY=${PARTA_TODAY:-}
LOGS=$(mktemp -d "${TMPDIR:-/tmp}/parta-test.XXXXXX")

# xdist N: pytest-xdist arguments for N workers (none for 0 or 1)
xdist() {
  if [ "$1" -gt 1 ] 2>/dev/null; then echo "-n $1 --dist worksteal"; fi
}

results=()
failed=0

# run LABEL LOG WORKERS [VAR=value ...] -- [pytest arguments]: one pytest process, its output into LOG
run() {
  local label=$1 log=$2 workers=$3; shift 3
  local vars=()
  while [ "$1" != "--" ]; do vars+=("$1"); shift; done; shift
  local start=$SECONDS status
  # shellcheck disable=SC2046
  env "${vars[@]}" "$PY" -m pytest -q -p no:cacheprovider --basetemp="$log.tmp" $(xdist "$workers") \
    ${PYTEST_ARGS:-} "$@" >"$log" 2>&1
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

# What the SQLite run of the real date leaves to the other runs
sqlite_skip=()
[ -n "$DATES" ] && sqlite_skip+=("dates")
[ -n "$SERVER" ] && sqlite_skip+=("once")
sqlite_args=()
sqlite_what="the whole suite"
if [ ${#sqlite_skip[@]} -gt 0 ]; then
  expression="not ${sqlite_skip[0]}"
  [ ${#sqlite_skip[@]} -gt 1 ] && expression="$expression and not ${sqlite_skip[1]}"
  sqlite_args=(-m "$expression")
  sqlite_what="the suite but -m \"$expression\""
fi

# What the PostgreSQL run leaves to the SQLite run of the real date: the tests of ONCE_ON_SQLITE
pg_args=()
pg_what="the whole suite"
if [ "$WHOLE" = "1" ]; then
  pg_args=(-m "not once_sqlite")
  pg_what="the suite but -m \"not once_sqlite\""
fi

if [ -n "$SERVER" ]; then
  pg_label="PostgreSQL, $today_label: $pg_what"
  if [ "$SIDE_BY_SIDE" = "1" ]; then
    echo "Started: [$pg_label] (printed when it ends)"
    run "$pg_label" "$LOGS/postgres" "$WORKERS" PARTA_TODAY="$TODAY" PARTA_TEST_DATABASE_URL="$SERVER" -- ${pg_args[@]+"${pg_args[@]}"} &
    postgres_pid=$!
  fi
fi

date_pids=()
# start_dates: the date runs, all at once in the background
start_dates() {
  local day label
  for day in $DATES; do
    label="SQLite, $day: the date-sensitive tests (-m dates)"
    echo "Started: [$label] (printed when every run ends)"
    run "$label" "$LOGS/sqlite-$day" "$DATE_WORKERS" PARTA_TODAY="$day" PARTA_TEST_DATABASE_URL= -- -m dates &
    date_pids+=($!)
  done
}

if [ "$WHOLE" = "1" ]; then
  sqlite_label="SQLite, $today_label: $sqlite_what"
  echo "Running: [$sqlite_label]"
  run "$sqlite_label" "$LOGS/sqlite" "$WORKERS" PARTA_TODAY="$TODAY" PARTA_TEST_DATABASE_URL= -- ${sqlite_args[@]+"${sqlite_args[@]}"}
  [ -n "$postgres_pid" ] && start_dates
  report "$sqlite_label" "$LOGS/sqlite"
fi

if [ -n "$SERVER" ]; then
  if [ -n "$postgres_pid" ]; then
    wait "$postgres_pid"
  else
    echo "Running: [$pg_label]"
    run "$pg_label" "$LOGS/postgres" "$WORKERS" PARTA_TODAY="$TODAY" PARTA_TEST_DATABASE_URL="$SERVER" -- ${pg_args[@]+"${pg_args[@]}"}
  fi
  report "$pg_label" "$LOGS/postgres"
elif [ "$WHOLE" = "1" ]; then
  results+=("SKIPPED PostgreSQL: PARTA_TEST_DATABASE_URL is not set")
fi

[ ${#date_pids[@]} -eq 0 ] && start_dates
for pid in ${date_pids[@]+"${date_pids[@]}"}; do wait "$pid"; done
for day in $DATES; do
  report "SQLite, $day: the date-sensitive tests (-m dates)" "$LOGS/sqlite-$day"
done

echo
echo "======== make test: $((SECONDS - suite_start))s in all ========"
printf '%s\n' "${results[@]}"
exit "$failed"
