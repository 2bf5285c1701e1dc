#!/bin/sh
# Entry point of the windbin image: `docker run IMAGE <task> [options]` runs `deno task <task>
# [options]` (serve, scheduler, etl, start, ...), so every command keeps the permission flags its
# task declares in deno.json.
#
# WAIT_FOR_DB=<seconds> (set by docker-compose.yml): first wait, at most that long, until the
# PostgreSQL servers named by SOURCE_DATABASE_URL and TARGET_DATABASE_URL accept connections.
# Engines that ignore `depends_on: condition: service_healthy` (podman-compose) start us early.
set -e
if [ -n "${WAIT_FOR_DB:-}" ] && [ "$WAIT_FOR_DB" != 0 ]; then
  deno run --allow-net --allow-env=SOURCE_DATABASE_URL,TARGET_DATABASE_URL,WAIT_FOR_DB \
    /app/docker/wait_for_db.ts
fi
[ "$#" -gt 0 ] || set -- serve
exec deno task "$@"
