#!/usr/bin/env bash
# The one command that runs the server.
#
#   bash scripts/run.sh [server args, e.g. --urls http://0.0.0.0:9000]
#
# Installs ffmpeg, jq (for the README's examples) and node/npm (apt-get, via sudo when not root; npm builds the player)
# if missing, then runs src/PeerTube.Net.Server in Release. With no configuration the server listens on
# http://127.0.0.1:9000 and keeps SQLite + media under the storage root, which this script
# sets to <repo>/data (ignored by git) unless Storage__Root is given: `dotnet run` makes the
# project folder the working directory, so a relative ./data would land in src/.
# Configure it with environment variables (or args), e.g.
#   Database__Provider=postgres ConnectionStrings__Default="Host=...;Database=...;Username=...;Password=..."
#   Instance__PublicUrl=https://videos.example.org  Storage__Root=/srv/peertube
#   Transcoding__Profile=...  Transcoding__Concurrency=1  Transcoding__Threads=2
# PostgreSQL is never started here: with Database__Provider=postgres it is the admin's server.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

command -v dotnet >/dev/null 2>&1 || die "dotnet (the .NET 10 SDK) is not on PATH"
ensure_ffmpeg
ensure_jq
ensure_node

export Storage__Root="${Storage__Root:-$REPO_ROOT/data}"
if [ "${Database__Provider:-sqlite}" = "postgres" ]; then
  log "Database__Provider=postgres: using the PostgreSQL server from ConnectionStrings__Default"
fi
log "starting PeerTube.Net.Server (dotnet run -c Release), Storage__Root=$Storage__Root"
exec dotnet run --project src/PeerTube.Net.Server -c Release -- "$@"
