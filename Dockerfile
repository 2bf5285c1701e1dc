# windbin: one image for every command; the arguments are a `deno task` name and its options.
#   docker build -t windbin .
#   docker run --rm -p 8000:8000 windbin serve              # source API (embedded demo database)
#   docker run --rm -e TARGET_DATABASE_URL=... windbin etl --date 2024-01-02
# Commands: serve, scheduler, etl, start, status, seed, migrate (see deno.json; each task carries its
# own explicit permission flags). docker-compose.yml runs the whole system on PostgreSQL.

# The Deno version CI tests with; keep in step with the README.
FROM denoland/deno:2.9.6

# The official image runs as root by default and ships the user "deno" (uid 1993); create it on a
# base that lacks it. Code stays owned by root (read-only to the app); the app may write only to
# DATA_DIR (embedded databases, demo token) and Deno's cache.
# The servers (serve, scheduler, start) listen on HOST=0.0.0.0 in the image, so that a published
# port reaches them: docker/entrypoint.sh sets it for those commands unless HOST is given (the
# other commands do not listen, and would say that HOST is set but unused). PORT (8000) and
# RUNNER_PORT (3000) keep their defaults.
ENV DENO_DIR=/deno-dir/ \
    DENO_NO_UPDATE_CHECK=1 \
    DENO_NO_PROMPT=1 \
    NO_COLOR=1 \
    DATA_DIR=/app/.data
RUN (id -u deno >/dev/null 2>&1 || useradd --uid 1993 --user-group --no-create-home deno) \
 && mkdir -p /app/.data /app/node_modules "$DENO_DIR" \
 && chown deno:deno /app/.data /app/node_modules "$DENO_DIR"
WORKDIR /app

# Dependencies first (this layer is rebuilt only when deno.json or deno.lock change): exactly the
# versions in deno.lock (--frozen fails the build instead of updating the lock), into node_modules
# and DENO_DIR, so that nothing is fetched at run time.
COPY deno.json deno.lock ./
USER deno
RUN deno install --frozen

# The code (see .dockerignore; owned by root), then every module graph checked against the lock.
COPY . .
RUN deno cache --frozen $(find . \( -name '*.ts' -o -name '*.tsx' \) -not -path './node_modules/*')

VOLUME /app/.data
EXPOSE 8000 3000

# serve: GET /health of the API (it checks the database); scheduler/start: GET /health of the
# runner's status page server on RUNNER_PORT; one-shot commands (etl, ...) are healthy while they
# run (docker/healthcheck.ts).
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["deno", "run", "--allow-net=127.0.0.1", "--allow-env=PORT,RUNNER_PORT,HEALTHCHECK_URL", "--allow-read=/proc/1/cmdline", "/app/docker/healthcheck.ts"]

ENTRYPOINT ["/bin/sh", "/app/docker/entrypoint.sh"]
CMD ["serve"]
