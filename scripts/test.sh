#!/usr/bin/env bash
# The one command that runs the whole test suite.
#
#   bash scripts/test.sh [extra dotnet test args, e.g. --filter "FullyQualifiedName~Upload"]
#
# 1. installs ffmpeg, jq (the README test runs its curl examples), Chromium (for the browser tests) and the
#    PostgreSQL server (apt-get, via sudo when not root) if missing;
# 2. starts a throwaway PostgreSQL cluster on a free 127.0.0.1 port (temp dir, fsync off,
#    trust auth, superuser `postgres`), removed again on exit, even on failure or Ctrl-C;
#    set PEERTUBE_TEST_POSTGRES yourself to use an existing server instead;
# 3. starts a throwaway redis-server the same way (installing redis-server if missing), for the multi-node tests;
#    set PEERTUBE_TEST_REDIS (host:port) yourself to use an existing one instead;
# 4. runs `dotnet test PeerTube.Net.sln -c Release` with TRX results in .tmp/test-results;
# 5. prints `Tests: N passed, N failed, N skipped` and exits non-zero if the build failed,
#    any test failed, or no test ran.
#
# Env: PEERTUBE_TEST_HANG_TIMEOUT (default 10m): a single test running longer is aborted
#      (dotnet test --blame-hang-timeout); set it empty to disable.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

RESULTS_DIR="$REPO_ROOT/.tmp/test-results"

# Sums the <Counters> of every TRX file under $1 and prints "passed failed skipped".
# Failed counts failed+error+timeout+aborted outcomes; skipped tests are the ones counted in
# total but not in executed (VSTest's TRX writes notExecuted="0" even with skipped tests).
trx_summary() {
  local dir="$1" files=()
  if [ -d "$dir" ]; then
    mapfile -t files < <(find "$dir" -type f -name '*.trx' | sort)
  fi
  if [ "${#files[@]}" -eq 0 ]; then
    echo "0 0 0"
    return 0
  fi
  awk '
    /<Counters[ \t>]/ {
      s = $0
      sub(/.*<Counters/, "", s); sub(/\/?>.*/, "", s)
      while (match(s, /[A-Za-z]+="[0-9]+"/)) {
        kv = substr(s, RSTART, RLENGTH); s = substr(s, RSTART + RLENGTH)
        eq = index(kv, "=")
        c[substr(kv, 1, eq - 1)] += substr(kv, eq + 2, length(kv) - eq - 2)
      }
    }
    END {
      skipped = c["total"] - c["executed"]
      if (skipped < c["notExecuted"]) skipped = c["notExecuted"]
      printf "%d %d %d\n", c["passed"], c["failed"] + c["error"] + c["timeout"] + c["aborted"], skipped
    }' "${files[@]}"
}

# Prints the name and the first lines of the message and stack of every test that did not pass, from the TRX
# files under $1: the end of the log is what a CI page shows, and the failures are what it must show.
trx_failures() {
  local dir="$1" files=()
  [ -d "$dir" ] && mapfile -t files < <(find "$dir" -type f -name '*.trx' | sort)
  [ "${#files[@]}" -gt 0 ] || return 0
  awk '
    function unescape(t) {
      gsub(/&#xD;/, "", t); gsub(/&#xA;/, "\n", t); gsub(/&lt;/, "<", t); gsub(/&gt;/, ">", t)
      gsub(/&quot;/, "\"", t); gsub(/&apos;/, "\047", t); gsub(/&amp;/, "\\&", t)
      return t
    }
    /<UnitTestResult / {
      failing = ($0 !~ /outcome="Passed"/ && $0 !~ /outcome="NotExecuted"/)
      if (failing) {
        name = $0; sub(/.*testName="/, "", name); sub(/".*/, "", name)
        outcome = $0; sub(/.*outcome="/, "", outcome); sub(/".*/, "", outcome)
        print "---- " outcome ": " unescape(name)
        lines = 0
      }
    }
    failing && /<(Message|StackTrace)>/ { inside = 1 }
    failing && inside && lines < 25 {
      t = $0; gsub(/<\/?(Message|StackTrace|ErrorInfo)>/, "", t); gsub(/^[ \t]+/, "  ", t)
      if (t != "  " && t != "") { print unescape(t); lines++ }
    }
    /<\/(Message|StackTrace)>/ { inside = 0 }
    /<\/UnitTestResult>/ { failing = 0; inside = 0 }
  ' "${files[@]}"
}

# Ends what is left of the test run's process group (dotnet test, vstest, test hosts, the
# out-of-process xUnit v3 test programs, build servers): a test program orphaned by a hang
# timeout would otherwise keep running.
DOTNET_PID=""
end_test_run() {
  [ -n "$DOTNET_PID" ] || return 0
  kill -TERM -- "-$DOTNET_PID" 2>/dev/null || { DOTNET_PID=""; return 0; }
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    kill -0 -- "-$DOTNET_PID" 2>/dev/null || break
    sleep 0.5
  done
  kill -KILL -- "-$DOTNET_PID" 2>/dev/null || true
  DOTNET_PID=""
}

cleanup() {
  local rc=$?
  if [ -n "$DOTNET_PID" ] && kill -0 "$DOTNET_PID" 2>/dev/null; then
    log "stopping the test run"
  fi
  end_test_run
  pg_throwaway_stop || true
  redis_throwaway_stop || true
  exit "$rc"
}

main() {
  # Hidden self-checks, used when working on this script.
  case "${1:-}" in
    --only-postgres-check)
      ensure_postgres_binaries
      trap cleanup EXIT; trap 'exit 130' INT; trap 'exit 143' TERM
      pg_throwaway_start
      local psql="$PG_BINDIR/psql"; [ -x "$psql" ] || psql=psql
      log "psql -h 127.0.0.1 -p $PG_PORT -U postgres -c 'select 1'"
      "$psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -c 'select 1'
      echo "PG_TMP=$PG_TMP PG_PORT=$PG_PORT"
      return 0 ;;
    --only-redis-check)
      ensure_redis
      trap cleanup EXIT; trap 'exit 130' INT; trap 'exit 143' TERM
      redis_throwaway_start
      log "redis-cli -h 127.0.0.1 -p $REDIS_PORT ping"
      if command -v redis-cli >/dev/null 2>&1; then redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping; fi
      echo "REDIS_TMP=$REDIS_TMP REDIS_PORT=$REDIS_PORT"
      return 0 ;;
    --only-summary)   # print the failures and the summary line for the TRX files under $2
      trx_failures "${2:?directory}"
      read -r passed failed skipped < <(trx_summary "${2:?directory}")
      echo "Tests: $passed passed, $failed failed, $skipped skipped"
      return 0 ;;
  esac

  command -v dotnet >/dev/null 2>&1 || die "dotnet (the .NET 10 SDK) is not on PATH"
  ensure_ffmpeg
  ensure_jq
  log "ffmpeg: $(command -v ffmpeg) ($(ffmpeg -hide_banner -version | head -n 1 | awk '{print $3}'))"
  export PEERTUBE_CHROMIUM="${PEERTUBE_CHROMIUM:-/usr/bin/chromium}"
  ensure_chromium
  log "chromium: $PEERTUBE_CHROMIUM ($("$PEERTUBE_CHROMIUM" --version 2>/dev/null | head -n 1))"
  ensure_torrent_clients
  ensure_peertube_cli
  log "aria2c: $(aria2c --version | head -n 1); PeerTube CLI: $PEERTUBE_CLI"

  trap cleanup EXIT; trap 'exit 130' INT; trap 'exit 143' TERM
  if [ -n "${PEERTUBE_TEST_POSTGRES:-}" ]; then
    log "using PostgreSQL from PEERTUBE_TEST_POSTGRES (not starting a throwaway one)"
  else
    ensure_postgres_binaries
    pg_throwaway_start
    export PEERTUBE_TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Password=unused"
  fi
  if [ -n "${PEERTUBE_TEST_REDIS:-}" ]; then
    log "using Redis from PEERTUBE_TEST_REDIS=$PEERTUBE_TEST_REDIS (not starting a throwaway one)"
  else
    ensure_redis
    redis_throwaway_start
    export PEERTUBE_TEST_REDIS="127.0.0.1:$REDIS_PORT"
  fi

  rm -rf "$RESULTS_DIR"
  mkdir -p "$RESULTS_DIR"
  local args=(test PeerTube.Net.sln -c Release
    --results-directory "$RESULTS_DIR"
    --logger "trx"
    --logger "console;verbosity=normal")
  local hang="${PEERTUBE_TEST_HANG_TIMEOUT-10m}"
  if [ -n "$hang" ]; then
    args+=(--blame-hang-timeout "$hang" --blame-hang-dump-type none)
  fi
  log "running tests: dotnet ${args[*]} $*"
  local rc=0
  # In a process group of its own, so that Ctrl-C / SIGTERM can end the whole test run
  # (dotnet test, vstest, test hosts) at once: on its own, dotnet test waits for a hung test.
  setsid dotnet "${args[@]}" "$@" &
  DOTNET_PID=$!
  wait "$DOTNET_PID" || rc=$?
  end_test_run

  pg_throwaway_stop   # now, so that the summary below is the last line printed
  redis_throwaway_stop
  local passed failed skipped
  read -r passed failed skipped < <(trx_summary "$RESULTS_DIR")
  log "TRX results in $RESULTS_DIR"
  if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
    echo "dotnet test exited with $rc without a failed test in the results: build failure or test host crash (see above)" >&2
  fi
  if [ $((passed + failed)) -eq 0 ]; then
    echo "no test ran" >&2
  fi
  if [ "$failed" -ne 0 ]; then
    echo "==== tests that did not pass"
    trx_failures "$RESULTS_DIR"
  fi
  echo "Tests: $passed passed, $failed failed, $skipped skipped"
  if [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ] || [ $((passed + failed)) -eq 0 ]; then
    return 1
  fi
}

main "$@"
