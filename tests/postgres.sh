#!/bin/sh
# Runs a command (the test suite) with SOP_TEST_POSTGRES_URL pointing at a throwaway PostgreSQL
# server, so that the PostgreSQL checkpointing test runs instead of skipping:
#
#     sh tests/postgres.sh .venv/bin/python -m pytest
#
# It uses Debian's postgresql package, installing it with apt-get when it is missing and this
# user may (root, or password-less sudo), starts a cluster in a temporary directory on
# 127.0.0.1 at a free port, and stops and removes it when the command ends. When any step
# fails it says why on stderr and runs the command anyway: the test then skips with the reason.
# A SOP_TEST_POSTGRES_URL that is already set is used as it is.
set -u

if [ -n "${SOP_TEST_POSTGRES_URL:-}" ] || [ "$#" -eq 0 ]; then
  exec "$@"
fi

note() { echo "tests/postgres.sh: $*; the PostgreSQL test will skip" >&2; }

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif sudo -n true 2>/dev/null; then sudo -n "$@"; else return 1; fi
}

install_postgres() {
  command -v apt-get >/dev/null 2>&1 || { note "no apt-get, so no Debian packages to install postgresql from"; return 1; }
  as_root true || { note "postgresql is not installed and this user may not install it (not root, no password-less sudo)"; return 1; }
  echo "tests/postgres.sh: installing postgresql from the Debian packages" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql >/dev/null 2>&1 \
    || { as_root apt-get update -q >/dev/null 2>&1 \
         && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql >/dev/null 2>&1; } \
    || { note "apt-get install postgresql failed"; return 1; }
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# PostgreSQL refuses to run as root; as root, the server runs as the package's postgres user.
as_server_user() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_server() {
  BIN=$(pg_bin)
  if [ -z "$BIN" ]; then install_postgres || return 1; BIN=$(pg_bin); fi
  [ -n "$BIN" ] || { note "no PostgreSQL server binaries in /usr/lib/postgresql"; return 1; }
  DIR=$(mktemp -d) || return 1
  [ "$(id -u)" -ne 0 ] || chown postgres "$DIR" || { note "cannot hand $DIR to the postgres user"; return 1; }
  PORT=$(free_port) || { note "python3 could not find a free port"; return 1; }
  as_server_user "$BIN/initdb" -D "$DIR/data" -U sop --auth=trust >"$DIR/initdb.log" 2>&1 \
    || { note "initdb failed: $(tail -n 3 "$DIR/initdb.log")"; return 1; }
  as_server_user "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off" start >/dev/null 2>&1 \
    || { note "the server did not start: $(tail -n 3 "$DIR/server.log")"; return 1; }
  STARTED=1
  export SOP_TEST_POSTGRES_URL="postgresql://sop@127.0.0.1:$PORT/postgres"
  echo "tests/postgres.sh: PostgreSQL $("$BIN/pg_ctl" --version | awk '{print $3}') at $SOP_TEST_POSTGRES_URL" >&2
}

stop_server() {
  if [ "${STARTED:-0}" -eq 1 ]; then
    as_server_user "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1
  fi
  if [ -n "${DIR:-}" ]; then rm -rf "$DIR"; fi
}

trap stop_server EXIT
trap 'exit 130' INT TERM
start_server
"$@"
