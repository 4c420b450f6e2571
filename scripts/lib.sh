# shellcheck shell=bash
# Shared helpers for scripts/run.sh and scripts/test.sh. Source it, don't run it.
#
# Provides:
#   log / warn / die                 phase and error messages
#   as_root CMD...                   run as root (directly, or via sudo), or fail clearly
#   apt_install PKG...               apt-get update (once) + noninteractive install
#   ensure_ffmpeg                    ffmpeg + ffprobe on PATH, installing apt package `ffmpeg` if missing
#   ensure_jq                        jq on PATH (the README's curl examples parse JSON with it)
#   ensure_chromium                  the system Chromium the browser tests drive (PEERTUBE_CHROMIUM, default /usr/bin/chromium)
#   ensure_postgres_binaries         sets PG_BINDIR (initdb/pg_ctl/postgres), installing `postgresql` if missing
#   pg_throwaway_start               starts a private cluster; sets PG_PORT, PG_TMP, PG_VERSION
#   pg_throwaway_stop                stops it and deletes its directory (safe to call twice)
#   ensure_redis                     redis-server on PATH, installing apt package `redis-server` if missing
#   redis_throwaway_start            starts a private redis-server (no persistence); sets REDIS_PORT, REDIS_TMP
#   redis_throwaway_stop             stops it and deletes its directory (safe to call twice)
#   ensure_torrent_clients           aria2c + transmission-cli, the independent BitTorrent clients the tests use
#   ensure_peertube_cli              PeerTube's own CLI (npm @peertube/peertube-cli) under .tmp/tools; sets PEERTUBE_CLI

# shellcheck disable=SC2034  # used by the scripts that source this file
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log()  { printf '==> %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die()  { printf 'error: %s\n' "$*" >&2; exit 1; }

# Run a command as root: directly when we are root, else through sudo (non-interactively
# when there is no terminal, e.g. in CI).
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    if [ -t 0 ]; then sudo "$@"; else sudo -n "$@"; fi
  else
    die "need root to run '$*' (not root and sudo is not installed); install it by hand or rerun as root"
  fi
}

_APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null 2>&1 \
    || die "missing $*; no apt-get on this machine, so install it by hand (see README)"
  if [ "$_APT_UPDATED" -eq 0 ]; then
    log "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q \
      || die "apt-get update failed (need root or passwordless sudo); install $* by hand"
    _APT_UPDATED=1
  fi
  log "installing $* (apt-get install -y $*)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" \
    || die "apt-get install $* failed; install it by hand"
}

ensure_ffmpeg() {
  if command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1; then
    return 0
  fi
  log "ffmpeg/ffprobe not found: installing ffmpeg (apt-get)"
  apt_install ffmpeg
  if ! command -v ffmpeg >/dev/null 2>&1 || ! command -v ffprobe >/dev/null 2>&1; then
    die "ffmpeg/ffprobe still not on PATH after installing the ffmpeg package"
  fi
}

ensure_jq() {
  command -v jq >/dev/null 2>&1 && return 0
  log "jq not found: installing jq (apt-get)"
  apt_install jq
  command -v jq >/dev/null 2>&1 || die "jq still not on PATH after installing the jq package"
}

# The browser tests drive a system Chromium through Playwright (never Playwright's own downloads). Debian's package is
# built with the proprietary codecs, so it plays the H.264/AAC ladder. PEERTUBE_CHROMIUM may point elsewhere.
ensure_chromium() {
  local chromium="${PEERTUBE_CHROMIUM:-/usr/bin/chromium}"
  if [ -x "$chromium" ]; then
    return 0
  fi
  if [ "$chromium" != /usr/bin/chromium ]; then
    die "PEERTUBE_CHROMIUM=$chromium is not an executable Chromium"
  fi
  log "chromium not found at $chromium: installing chromium (apt-get)"
  apt_install chromium
  [ -x "$chromium" ] || die "installed the chromium package but $chromium is still missing"
}

# Newest /usr/lib/postgresql/<ver>/bin that has initdb + pg_ctl (PG_BINDIR may be preset).
_find_pg_bindir() {
  if [ -n "${PG_BINDIR:-}" ]; then
    [ -x "$PG_BINDIR/initdb" ] && [ -x "$PG_BINDIR/pg_ctl" ] && return 0
    die "PG_BINDIR=$PG_BINDIR has no initdb/pg_ctl"
  fi
  local d
  for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
      PG_BINDIR="$d"
      return 0
    fi
  done
  return 1
}

ensure_postgres_binaries() {
  if ! _find_pg_bindir; then
    log "PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin: installing postgresql (apt-get)"
    apt_install postgresql
    _find_pg_bindir || die "installed postgresql but found no initdb/pg_ctl under /usr/lib/postgresql/*/bin"
  fi
  PG_VERSION="$("$PG_BINDIR/postgres" --version | awk '{print $NF}')"
  PG_VERSION="${PG_VERSION%%.*}"
}

# Runs a PostgreSQL binary as the cluster owner: the `postgres` system user when we are
# root (initdb/postgres refuse to run as root), else ourselves. Runs from the cluster dir
# so the postgres user never needs access to our working directory.
_pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd "$PG_TMP" && runuser -u postgres -- "$@")
  else
    (cd "$PG_TMP" && "$@")
  fi
}

_port_in_use() {
  # A successful connect means something listens there.
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

PG_TMP=""
# shellcheck disable=SC2034  # read by the scripts that source this file
PG_PORT=""
pg_throwaway_start() {
  [ -n "${PG_BINDIR:-}" ] || ensure_postgres_binaries
  local base
  if [ "$(id -u)" -eq 0 ]; then
    command -v runuser >/dev/null 2>&1 || die "running as root needs runuser (util-linux) to start PostgreSQL as user postgres"
    if ! id -u postgres >/dev/null 2>&1; then
      log "creating system user postgres (initdb/postgres refuse to run as root)"
      useradd --system --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin postgres || die "could not create system user postgres"
    fi
    base=/tmp            # must be reachable by the postgres user; keep the socket path short
  else
    base="${TMPDIR:-/tmp}"
  fi
  PG_TMP="$(mktemp -d "$base/peertube-pg.XXXXXX")" || die "mktemp failed in $base"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$PG_TMP"
  fi

  _pg_as_owner "$PG_BINDIR/initdb" -D "$PG_TMP/data" --username=postgres --auth=trust \
    --encoding=UTF8 --no-locale --no-sync >"$PG_TMP/initdb.log" 2>&1 \
    || { cat "$PG_TMP/initdb.log" >&2; die "initdb failed"; }
  # Throwaway test cluster: speed over durability; room for one database per test class.
  cat >>"$PG_TMP/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_TMP'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
EOF

  local port tries=0
  port=$((15000 + RANDOM % 15000))
  while :; do
    tries=$((tries + 1))
    if [ "$tries" -gt 25 ]; then
      tail -n 30 "$PG_TMP/postgres.log" >&2 2>/dev/null || true
      die "could not start PostgreSQL on any of 25 ports"
    fi
    port=$((port + 1))
    if _port_in_use "$port"; then continue; fi
    log "starting throwaway PostgreSQL $PG_VERSION on 127.0.0.1:$port (data in $PG_TMP)"
    if [ -f "$PG_TMP/postgres.log" ]; then : >"$PG_TMP/postgres.log"; fi   # keep owner
    if _pg_as_owner "$PG_BINDIR/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/postgres.log" -w -t 60 \
         -o "-p $port" start >/dev/null; then
      PG_PORT="$port"
      return 0
    fi
    if grep -qiE 'could not (bind|create listen socket)|address already in use' "$PG_TMP/postgres.log" 2>/dev/null; then
      warn "port $port was taken; trying the next one"
      continue
    fi
    tail -n 30 "$PG_TMP/postgres.log" >&2 2>/dev/null || true
    die "PostgreSQL failed to start"
  done
}

pg_throwaway_stop() {
  [ -n "$PG_TMP" ] || return 0
  if [ -f "$PG_TMP/data/postmaster.pid" ]; then
    local pid
    pid="$(head -n 1 "$PG_TMP/data/postmaster.pid" 2>/dev/null || true)"
    if ! _pg_as_owner "$PG_BINDIR/pg_ctl" -D "$PG_TMP/data" -m immediate -w -t 30 stop >/dev/null 2>&1; then
      # pg_ctl could not stop it: end the postmaster we started, by its pid.
      if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
      fi
    fi
  fi
  rm -rf "$PG_TMP"
  log "stopped throwaway PostgreSQL and removed $PG_TMP"
  PG_TMP=""
}

ensure_redis() {
  if command -v redis-server >/dev/null 2>&1; then
    return 0
  fi
  log "redis-server not found (the multi-node tests need one): installing redis-server (apt-get)"
  apt_install redis-server
  command -v redis-server >/dev/null 2>&1 || die "installed redis-server but it is still not on PATH"
}

# The swarm registry's scripts use ZRANDMEMBER, new in Redis 6.2 (Debian 12 and Ubuntu 24.04 ship 7.0; Ubuntu 22.04 6.0).
redis_check_version() {
  local version major minor
  version="$(redis-server --version | sed -n 's/.*v=\([0-9][0-9.]*\).*/\1/p')"
  major="${version%%.*}"; minor="${version#*.}"; minor="${minor%%.*}"
  if [ -z "$major" ] || [ "$major" -lt 6 ] || { [ "$major" -eq 6 ] && [ "${minor:-0}" -lt 2 ]; }; then
    die "redis-server ${version:-of unknown version} is too old: Redis 6.2 or newer is needed (set PEERTUBE_TEST_REDIS=host:port to use another server)"
  fi
}

REDIS_TMP=""
REDIS_PID=""
# shellcheck disable=SC2034  # read by the scripts that source this file
REDIS_PORT=""
# A redis-server of our own on a free 127.0.0.1 port, in the foreground of a background job (so that we hold its pid),
# with nothing written to disk.
redis_throwaway_start() {
  command -v redis-server >/dev/null 2>&1 || ensure_redis
  redis_check_version
  REDIS_TMP="$(mktemp -d "${TMPDIR:-/tmp}/peertube-redis.XXXXXX")" || die "mktemp failed"
  local port tries=0
  port=$((30000 + RANDOM % 15000))
  while :; do
    tries=$((tries + 1))
    [ "$tries" -le 25 ] || { tail -n 30 "$REDIS_TMP/redis.log" >&2 2>/dev/null || true; die "could not start redis-server on any of 25 ports"; }
    port=$((port + 1))
    if _port_in_use "$port"; then continue; fi
    log "starting throwaway redis-server $(redis-server --version | awk '{print $3}' | sed 's/^v=//') on 127.0.0.1:$port"
    (cd "$REDIS_TMP" && exec redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
      --dir "$REDIS_TMP" >"$REDIS_TMP/redis.log" 2>&1) &
    REDIS_PID=$!
    local i
    for i in $(seq 1 100); do
      # Listening, and still ours (not another program that took the port meanwhile).
      if _port_in_use "$port" && kill -0 "$REDIS_PID" 2>/dev/null && grep -q 'Ready to accept connections' "$REDIS_TMP/redis.log" 2>/dev/null; then
        REDIS_PORT="$port"
        return 0
      fi
      kill -0 "$REDIS_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill "$REDIS_PID" 2>/dev/null || true
    wait "$REDIS_PID" 2>/dev/null || true
    REDIS_PID=""
    if grep -qiE 'address already in use' "$REDIS_TMP/redis.log" 2>/dev/null; then
      warn "port $port was taken; trying the next one"
      continue
    fi
    tail -n 30 "$REDIS_TMP/redis.log" >&2 2>/dev/null || true
    die "redis-server failed to start (log above, attempt $i)"
  done
}

redis_throwaway_stop() {
  [ -n "$REDIS_TMP" ] || return 0
  if [ -n "$REDIS_PID" ] && kill -0 "$REDIS_PID" 2>/dev/null; then
    kill -TERM "$REDIS_PID" 2>/dev/null || true
    local _i
    for _i in 1 2 3 4 5 6 7 8 9 10; do
      kill -0 "$REDIS_PID" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL "$REDIS_PID" 2>/dev/null || true
    wait "$REDIS_PID" 2>/dev/null || true
  fi
  rm -rf "$REDIS_TMP"
  log "stopped throwaway redis-server and removed $REDIS_TMP"
  REDIS_TMP=""
  REDIS_PID=""
}

ensure_torrent_clients() {
  local missing=()
  command -v aria2c >/dev/null 2>&1 || missing+=(aria2)
  command -v transmission-cli >/dev/null 2>&1 || missing+=(transmission-cli)
  if [ "${#missing[@]}" -gt 0 ]; then
    log "BitTorrent clients for the tests not found: installing ${missing[*]} (apt-get)"
    apt_install "${missing[@]}"
  fi
}

# PeerTube's CLI, pinned, installed from npm into .tmp/tools (ignored by git); node/npm from apt if missing.
PEERTUBE_CLI_VERSION="1.0.3"
# node/npm build the player (src/player, run by the server's build) and run PeerTube's CLI in the tests.
ensure_node() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    log "node/npm not found (the player's build needs them): installing nodejs and npm (apt-get)"
    apt_install nodejs npm
  fi
}

ensure_peertube_cli() {
  ensure_node
  local dir="$REPO_ROOT/.tmp/tools/peertube-cli"
  local cli="$dir/node_modules/@peertube/peertube-cli/dist/peertube.js"
  if [ ! -f "$cli" ]; then
    log "installing PeerTube's CLI (npm @peertube/peertube-cli@$PEERTUBE_CLI_VERSION) into .tmp/tools"
    mkdir -p "$dir"
    (cd "$dir" && npm install --no-audit --no-fund --silent "@peertube/peertube-cli@$PEERTUBE_CLI_VERSION" >/dev/null) \
      || die "npm install @peertube/peertube-cli failed"
  fi
  export PEERTUBE_CLI="$cli"
}
