#!/bin/sh
# Entry point of the windbin image: `docker run IMAGE <task> [options]` runs `deno task <task>
# [options]` (serve, scheduler, etl, start, ...), so every command keeps the permission flags its
# task declares in deno.json.
#
# WAIT_FOR_DEPS=<seconds> (set by docker-compose.yml): first wait, at most that long, until the
# PostgreSQL servers named by SOURCE_DATABASE_URL / TARGET_DATABASE_URL accept connections and
# the source API at SOURCE_API_URL is healthy (those that are set). The services do not retry
# their first connection, and engines that ignore `depends_on: condition: service_healthy`
# (podman-compose 1.0) start them as soon as the dependency's container exists.
set -e
if [ -n "${WAIT_FOR_DEPS:-}" ] && [ "$WAIT_FOR_DEPS" != 0 ]; then
  deno run --allow-net \
    --allow-env=SOURCE_DATABASE_URL,TARGET_DATABASE_URL,SOURCE_API_URL,WAIT_FOR_DEPS \
    /app/docker/wait_for_deps.ts
fi
[ "$#" -gt 0 ] || set -- serve
# Inside a container, a server on 127.0.0.1 cannot be reached through a published port.
case "$1" in
  serve | scheduler | start) export HOST="${HOST:-0.0.0.0}" ;;
esac
exec deno task "$@"
