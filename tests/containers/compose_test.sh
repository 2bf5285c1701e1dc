#!/usr/bin/env bash
# Container test: builds the image from the Dockerfile and runs docker-compose.yml for real, on
# podman (no Docker engine on our machines, no image registry reachable).
#
#   bash tests/containers/compose_test.sh        (root, Debian 12; .ci/run installs the tools)
#
# 1. lints docker-compose.yml (dclint from npm) and the Dockerfile's basics;
# 2. builds stand-ins for the two base images, tagged with the names the Dockerfile and the
#    compose file use (denoland/deno:<version>, postgres:<major>): a Debian bookworm root made by
#    debootstrap + the deno binary (+ this host's CA bundle, so `deno install` reaches npm from
#    here) / + Debian's PostgreSQL with a small entrypoint. Cached: built once per host;
# 3. builds the project image with --pull=never;
# 4. `podman-compose up -d` of a copy of docker-compose.yml with a generated .env (own project
#    name, free host ports), waits until every container is healthy, then through the published
#    ports: /health, /data with and without the token; the scheduler replicas complete the demo
#    partitions (the demo farm: DEMO_DAYS up to yesterday, 4 turbines, one down for 5 hours) with
#    no day run twice but the one whose late hour arrives (DEMO_LATE_SECONDS), which is rebuilt
#    once it does (only once deno.json has a `scheduler` task; before that one `etl` run in the
#    image instead); the status page (once there is one);
# 5. tears down with volumes, prints the timings and the image size.
#
# Last line: "containers: passed ...", "containers: FAILED: ..." (exit 1) or
# "containers: skipped: ..." (exit 0: containers cannot run on this host).
set -uo pipefail
exec </dev/null

cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
ROOT=$PWD
HERE=$ROOT/tests/containers
export CONTAINERS_CONF=$HERE/containers.conf
export NO_COLOR=1
# podman builds OCI images by default, which drop HEALTHCHECK; keep the Docker format.
export BUILDAH_FORMAT=docker

PROJECT=windbin_ci
IMAGE=localhost/windbin:latest
BASE=localhost/windbin-standin/debian:bookworm
DCLINT=dclint@3.1.0
# The demo the API seeds (docker-compose.yml's defaults): the 10 days up to yesterday (UTC), 4
# turbines, T04 down 03:00-08:00 on the middle day, T01's 14:00-15:00 of the last day late.
DEMO_DAYS=10
DEMO_TURBINES=4
DEMO_TO=$(date -u -d yesterday +%F)
DEMO_FROM=$(date -u -d "$DEMO_DAYS days ago" +%F)
DEMO_DOWN=$(date -u -d "$DEMO_FROM + $(((DEMO_DAYS - 1) / 2)) days" +%F)
DAY_READINGS=$((DEMO_TURBINES * 1440))
# A day complete from the start, for /data.
DEMO_DAY=$(date -u -d '2 days ago' +%F)
HEALTHY_TIMEOUT=${CONTAINERS_HEALTHY_TIMEOUT:-180}
PARTITIONS_TIMEOUT=${CONTAINERS_PARTITIONS_TIMEOUT:-240}

T0=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/tmp}/windbin-containers.XXXXXX")
log=$work/log
: >"$log"
up_done=

say() { printf 'containers: %s\n' "$*"; }
elapsed() { echo $(($(date +%s) - $1)); }
skip() {
  say "skipped: $* (containers cannot run on this host)"
  cleanup
  exit 0
}
fail() {
  printf 'containers: ERROR: %s\n' "$*" >&2
  if [ -n "$up_done" ]; then
    say "--- container states and logs (last lines) ---"
    podman ps -a --filter "label=io.podman.compose.project=$PROJECT" \
      --format '{{.Names}} {{.Status}}' 2>/dev/null
    local c
    for c in $(containers); do
      echo "--- $c"
      podman logs --tail 25 "$c" 2>&1 | grep -v 'systemd connection' | sed 's/^/  /'
    done
  fi
  say "--- last lines of the podman/podman-compose log ---"
  grep -v 'systemd connection' "$log" | tail -n 30 | sed 's/^/  /'
  cleanup
  say "FAILED: $* (after $(elapsed "$T0") s)"
  exit 1
}
# Bounded: podman-compose itself has no timeouts.
compose_t() {
  local secs=$1
  shift
  (cd "$work" && timeout "$secs" podman-compose -p "$PROJECT" -f "$work/docker-compose.yml" "$@")
}
containers() {
  podman ps -a --filter "label=io.podman.compose.project=$PROJECT" --format '{{.Names}}' 2>/dev/null |
    sort
}
# Volumes the project's containers mount: podman-compose 1.0 `down -v` removes the named ones but
# not the anonymous ones (the image's VOLUME /app/.data), which Docker Compose removes.
project_volumes() {
  local c
  for c in $(containers); do
    podman inspect --format '{{range .Mounts}}{{if .Name}}{{.Name}}{{"\n"}}{{end}}{{end}}' "$c" 2>/dev/null
  done | sort -u
}
down() {
  local vols rc v
  vols=$(project_volumes)
  compose_t 120 down -v >>"$log" 2>&1
  rc=$?
  for v in $vols; do
    podman volume exists "$v" 2>/dev/null && podman volume rm -f "$v" >>"$log" 2>&1
  done
  return "$rc"
}
cleanup() {
  if [ -n "$up_done" ]; then
    down
    up_done=
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 0. can this host run containers? -------------------------------------------------------

for tool in podman podman-compose debootstrap runc curl; do
  command -v "$tool" >/dev/null || skip "$tool is not installed"
done
# netavark (containers.conf) sets up the containers' network with iptables: without it every
# network namespace fails with "netavark: No such file or directory".
command -v iptables >/dev/null || command -v /usr/sbin/iptables >/dev/null ||
  skip "iptables is not installed (netavark needs it)"
[ "$(id -u)" = 0 ] || skip "needs root (debootstrap, rootful podman)"
podman info >>"$log" 2>&1 || skip "podman info fails ($(tail -n 1 "$log"))"
# A bridge left by podman's older CNI backend holds the default subnet (10.88.0.0/16) that the
# netavark backend (containers.conf) wants: containers then have no network. Only a DOWN one.
if command -v ip >/dev/null && ip -br link show cni-podman0 2>/dev/null | grep -q DOWN; then
  say "removing the unused CNI bridge cni-podman0 (podman runs on netavark here)"
  ip link del cni-podman0 >>"$log" 2>&1
fi

# --- 1. lint --------------------------------------------------------------------------------

lint_dockerfile() {
  local f=$ROOT/Dockerfile problems=()
  grep -Eq '^FROM [^ :]+:[0-9][^ ]*( |$)' "$f" || problems+=("FROM must name a pinned version tag")
  grep -Eiq '^FROM [^ ]+:latest' "$f" && problems+=("FROM uses :latest")
  local user
  user=$(grep -E '^USER ' "$f" | tail -n 1 | awk '{print $2}')
  { [ -n "$user" ] && [ "$user" != root ] && [ "$user" != 0 ]; } ||
    problems+=("the last USER must be a non-root user")
  grep -Eq '^HEALTHCHECK ' "$f" || problems+=("no HEALTHCHECK")
  grep -Eq -- '(^|[ "])(-A|--allow-all)([ "]|$)' "$f" "$ROOT/docker/entrypoint.sh" \
    "$ROOT/docker-compose.yml" && problems+=("-A/--allow-all in the image's commands")
  grep -Eq 'deno install[^&]*--frozen' "$f" || problems+=("dependencies not installed --frozen")
  if [ "${#problems[@]}" != 0 ]; then
    printf '  Dockerfile: %s\n' "${problems[@]}"
    return 1
  fi
}

t=$(date +%s)
lint_dockerfile || fail "Dockerfile checks"
if command -v npx >/dev/null; then
  if ! out=$(cd "$ROOT" && timeout 180 npx --yes "$DCLINT" -c tests/containers/dclint.json \
    --max-warnings 0 docker-compose.yml 2>&1); then
    if grep -q 'docker-compose.yml' <<<"$out"; then
      echo "$out" | sed 's/^/  /'
      fail "dclint found problems in docker-compose.yml"
    fi
    say "dclint could not run (npm unreachable?): compose lint skipped"
  fi
else
  say "no npx: compose lint (dclint) skipped"
fi
say "lint ok: Dockerfile basics, dclint docker-compose.yml ($(elapsed "$t") s)"

# --- 2. stand-ins for the base images -------------------------------------------------------

deno_version=$(sed -nE 's#^FROM denoland/deno:([0-9.]+).*#\1#p' "$ROOT/Dockerfile" | head -n 1)
pg_major=$(sed -nE 's#^ +image: postgres:([0-9]+).*#\1#p' "$ROOT/docker-compose.yml" | head -n 1)
[ -n "$deno_version" ] || fail "no 'FROM denoland/deno:<version>' in the Dockerfile"
[ -n "$pg_major" ] || fail "no 'image: postgres:<major>' in docker-compose.yml"
DENO_IMAGE=docker.io/denoland/deno:$deno_version
PG_IMAGE=docker.io/library/postgres:$pg_major

have_image() { podman image exists "$1" 2>/dev/null; }

mirror() {
  local m
  m=$(grep -hsE '^(URIs:|deb) ' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list \
    /etc/apt/sources.list 2>/dev/null | grep -m1 -E 'debian/?( |$)' |
    sed -E 's/^URIs: *//; s/^deb (\[[^]]*\] )?//; s/ .*//')
  echo "${m:-http://deb.debian.org/debian}"
}

t=$(date +%s)
if ! have_image "$BASE"; then
  root=$work/rootfs
  say "building the Debian bookworm base with debootstrap ($(mirror))"
  timeout 600 debootstrap --variant=minbase bookworm "$root" "$(mirror)" >>"$log" 2>&1 ||
    skip "debootstrap bookworm failed (no Debian mirror?)"
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
  tar -C "$root" -c . | podman import --change 'CMD ["bash"]' - "$BASE" >>"$log" 2>&1 ||
    fail "podman import of the debootstrap root failed"
  rm -rf "$root"
fi
podman run --rm --network none "$BASE" true >>"$log" 2>&1 ||
  skip "podman cannot run a container ($(grep -v systemd "$log" | tail -n 1))"

deno_binary() { # prints the path of a deno $deno_version Linux binary
  local d
  d=$(command -v deno 2>/dev/null) && d=$(readlink -f "$d")
  if [ -n "$d" ] && head -c 4 "$d" | grep -q ELF &&
    "$d" --version 2>/dev/null | grep -q "^deno $deno_version "; then
    echo "$d"
    return
  fi
  command -v npm >/dev/null || return 1
  mkdir -p "$work/npm" && (cd "$work/npm" &&
    npm pack --silent "@deno/linux-x64-glibc@$deno_version" >/dev/null 2>&1 && tar -xzf ./*.tgz) ||
    return 1
  d=$(find "$work/npm/package" -type f -name deno | head -n 1)
  [ -n "$d" ] && chmod +x "$d" && echo "$d"
}

if ! have_image "$DENO_IMAGE"; then
  say "building the stand-in $DENO_IMAGE"
  ctx=$work/deno-ctx
  mkdir -p "$ctx" && cp "$HERE"/standins/deno/* "$ctx"/
  bin=$(deno_binary) || fail "no deno $deno_version binary (host deno, or npm @deno/linux-x64-glibc)"
  cp "$bin" "$ctx/deno"
  ca=${DENO_CERT:-${NODE_EXTRA_CA_CERTS:-${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}}}
  [ -f "$ca" ] || fail "no CA bundle at $ca"
  cp "$ca" "$ctx/ca-certificates.crt"
  podman build --pull=never --format docker --build-arg "DENO_VERSION=$deno_version" \
    -t "$DENO_IMAGE" "$ctx" >>"$log" 2>&1 || fail "building the deno stand-in failed"
fi
if ! have_image "$PG_IMAGE"; then
  say "building the stand-in $PG_IMAGE (Debian's PostgreSQL $pg_major)"
  podman build --pull=never --format docker --build-arg "PG_MAJOR=$pg_major" \
    -t "$PG_IMAGE" "$HERE/standins/postgres" >>"$log" 2>&1 ||
    fail "building the postgres stand-in failed"
fi
say "base images ready: $DENO_IMAGE, $PG_IMAGE ($(elapsed "$t") s)"

# --- 3. the project's image -----------------------------------------------------------------

t=$(date +%s)
podman build --pull=never --format docker -t "$IMAGE" "$ROOT" >>"$log" 2>&1 ||
  fail "podman build of the Dockerfile failed"
build_s=$(elapsed "$t")
size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
size_mb=$((size / 1000 / 1000))
say "image built in ${build_s} s: $IMAGE, ${size_mb} MB"

# Deno tasks the image offers; one-shot commands run in it.
has_task() { grep -Eq "^ *\"$1\": *\"" "$ROOT/deno.json"; }
out=$(podman run --rm --network none "$IMAGE" etl --help 2>&1) ||
  fail "'etl --help' in the image failed: $out"
[ "$(podman run --rm --network none --entrypoint id "$IMAGE" -u 2>>"$log")" != 0 ] ||
  fail "the image runs as root"

# --- 4. the compose stack -------------------------------------------------------------------

free_port() { # a free TCP port on 127.0.0.1 from $1 upwards
  local p=$1 i
  for i in $(seq 0 200); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$((p + i))") 2>/dev/null; then
      echo $((p + i))
      return
    fi
  done
  return 1
}
api_port=$(free_port 18000) || fail "no free port"
status_port=$(free_port $((api_port + 1))) || fail "no free port"
token=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
pgpass=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')

cp "$ROOT/docker-compose.yml" "$work/docker-compose.yml"
sed -e "s/^API_TOKEN=.*/API_TOKEN=$token/" -e "s/^POSTGRES_PASSWORD=.*/POSTGRES_PASSWORD=$pgpass/" \
  -e "s/^API_PORT=.*/API_PORT=$api_port/" -e "s/^STATUS_PORT=.*/STATUS_PORT=$status_port/" \
  "$ROOT/.env.example" >"$work/.env"
# The late hour soon after the API is up, and schedulers that notice it soon after.
printf 'DEMO_LATE_SECONDS=20\nWATCH_SECONDS=5\n' >>"$work/.env"
grep -q "^API_TOKEN=$token" "$work/.env" && grep -q "^POSTGRES_PASSWORD=$pgpass" "$work/.env" ||
  fail ".env.example has no API_TOKEN= / POSTGRES_PASSWORD= lines"

# Leftovers of an interrupted run of this test.
if [ -n "$(containers)" ]; then
  say "removing the leftovers of an earlier run"
  down
fi

if has_task scheduler; then
  services=()
else
  # Without the command the scheduler containers (and the status page) cannot start.
  services=(api target_db)
fi

t_up=$(date +%s)
up_done=1
compose_t 180 up -d --no-build "${services[@]}" >>"$log" 2>&1 ||
  fail "podman-compose up failed"
mapfile -t names < <(containers)
[ "${#names[@]}" -ge 3 ] || fail "podman-compose up started ${#names[@]} containers"
if has_task scheduler; then
  n=$(printf '%s\n' "${names[@]}" | grep -c "^${PROJECT}_scheduler_")
  [ "$n" = 2 ] || fail "expected 2 scheduler replicas, found $n"
fi
say "up: ${names[*]}"

# Healthy: podman runs health checks from systemd timers, which this host may not have, so each
# container's check (the compose file's, else the image's HEALTHCHECK) is run here.
healthy=()
deadline=$(($(date +%s) + HEALTHY_TIMEOUT))
while :; do
  pending=()
  for c in "${names[@]}"; do
    [[ " ${healthy[*]} " == *" $c "* ]] && continue
    running=$(podman inspect --format '{{.State.Running}}' "$c" 2>/dev/null)
    if [ "$running" != true ]; then
      # restart: unless-stopped brings it back; count it as pending meanwhile.
      pending+=("$c(not running)")
      continue
    fi
    if podman healthcheck run "$c" >/dev/null 2>&1; then
      healthy+=("$c")
    else
      pending+=("$c")
    fi
  done
  [ "${#pending[@]}" = 0 ] && break
  [ "$(date +%s)" -lt "$deadline" ] || fail "not healthy after ${HEALTHY_TIMEOUT} s: ${pending[*]}"
  sleep 2
done
healthy_s=$(elapsed "$t_up")
say "all ${#names[@]} containers healthy ${healthy_s} s after up"

# --- 5. through the published ports ---------------------------------------------------------

api=http://127.0.0.1:$api_port
body=$(curl -sS -m 10 -w '\n%{http_code}' "$api/health") || fail "GET /health: no answer"
[ "$(tail -n 1 <<<"$body")" = 200 ] || fail "GET /health: $(tr '\n' ' ' <<<"$body")"
code=$(curl -sS -m 10 -o /dev/null -w '%{http_code}' "$api/data?date=$DEMO_DAY&variables=power")
[ "$code" = 401 ] || fail "GET /data without the token: HTTP $code, expected 401"
curl -sS -m 30 -o "$work/day.json" -w '%{http_code}' -H "Authorization: Bearer $token" \
  "$api/data?date=$DEMO_DAY&variables=wind_speed,power&turbines=T01" >"$work/code" ||
  fail "GET /data: no answer"
[ "$(cat "$work/code")" = 200 ] || fail "GET /data with the token: HTTP $(cat "$work/code")"
readings=$(grep -o '"timestamp"' "$work/day.json" | wc -l)
[ "$readings" = 1440 ] || fail "GET /data?date=$DEMO_DAY&turbines=T01: $readings readings, expected 1440"
turbines=$(curl -sS -m 10 -H "Authorization: Bearer $token" "$api/turbines" | grep -o '"turbine"' | wc -l)
[ "$turbines" = "$DEMO_TURBINES" ] || fail "GET /turbines: $turbines turbines, expected $DEMO_TURBINES"
say "api ok on :$api_port: /health 200, /data 401 without the token, 200 with it (1440 readings of T01 on $DEMO_DAY), $turbines turbines"

target_sql() {
  podman exec "${PROJECT}_target_db_1" psql -U windbin -d windbin_target -XAtq -v ON_ERROR_STOP=1 \
    -c "$1"
}

partitions_s=
late_s=
if has_task scheduler; then
  # Every demo day succeeded, each run by exactly one successful run, no two runs of a day at once.
  deadline=$(($(date +%s) + PARTITIONS_TIMEOUT))
  while :; do
    done_days=$(target_sql "SELECT count(*) FROM partitions WHERE job = 'etl'
      AND day BETWEEN '$DEMO_FROM' AND '$DEMO_TO' AND status = 'succeeded'" 2>/dev/null)
    [ "${done_days:-0}" = "$DEMO_DAYS" ] && break
    [ "$(date +%s)" -lt "$deadline" ] ||
      fail "after ${PARTITIONS_TIMEOUT} s ${done_days:-0}/$DEMO_DAYS demo partitions succeeded: $(
        target_sql "SELECT string_agg(day || ' ' || status, ', ' ORDER BY day) FROM partitions
          WHERE job = 'etl'" 2>&1)"
    sleep 2
  done
  partitions_s=$(elapsed "$t_up")
  # The late hour arrives: its day is rebuilt with every reading (stale by source).
  deadline=$(($(date +%s) + PARTITIONS_TIMEOUT))
  while :; do
    late_in=$(target_sql "SELECT rows_in FROM partitions WHERE job = 'etl' AND day = '$DEMO_TO'
      AND status = 'succeeded'" 2>/dev/null)
    [ "${late_in:-0}" = "$DAY_READINGS" ] && break
    [ "$(date +%s)" -lt "$deadline" ] ||
      fail "the late day $DEMO_TO has ${late_in:-no} readings after ${PARTITIONS_TIMEOUT} s, expected $DAY_READINGS"
    sleep 2
  done
  late_s=$(elapsed "$t_up")
  down_in=$(target_sql "SELECT rows_in FROM partitions WHERE job = 'etl' AND day = '$DEMO_DOWN'")
  [ "$down_in" = $((DAY_READINGS - 300)) ] ||
    fail "the down day $DEMO_DOWN has $down_in readings, expected $((DAY_READINGS - 300)) (T04 down 5 hours)"
  # Every day once; the late day once or twice (before and after its late hour, if it was built
  # before the hour arrived).
  twice=$(target_sql "SELECT string_agg(day::text, ', ') FROM (SELECT day FROM runs
    WHERE job = 'etl' AND status IN ('succeeded', 'empty') GROUP BY day
    HAVING count(*) > CASE WHEN day = '$DEMO_TO' THEN 2 ELSE 1 END) d")
  [ -z "$twice" ] || fail "days run (successfully) more than once: $twice"
  late_runs=$(target_sql "SELECT count(*) FROM runs WHERE job = 'etl' AND day = '$DEMO_TO'
    AND status = 'succeeded'")
  overlap=$(target_sql "SELECT string_agg(a.day || ' runs ' || a.id || '/' || b.id, ', ')
    FROM runs a JOIN runs b ON a.job = b.job AND a.day = b.day AND a.id < b.id
    WHERE tstzrange(a.started_at, coalesce(a.finished_at, 'infinity'))
       && tstzrange(b.started_at, coalesce(b.finished_at, 'infinity'))")
  [ -z "$overlap" ] || fail "runs of one day overlapped: $overlap"
  rows=$(target_sql "SELECT count(*) FROM data")
  runners=$(target_sql "SELECT string_agg(host || ': ' || n, ', ') FROM (SELECT split_part(runner, ':', 1) host, count(*) n
    FROM runs WHERE job = 'etl' GROUP BY 1 ORDER BY 1) r")
  say "scheduler ok: $DEMO_DAYS/$DEMO_DAYS demo partitions succeeded ${partitions_s} s after up," \
    "each day run once, the late day $DEMO_TO $late_runs time(s), complete ${late_s} s after up;" \
    "the down day $DEMO_DOWN $down_in readings; no overlapping runs; $rows aggregate rows;" \
    "runs so far per replica (container host): $runners"
else
  say "scheduler not built yet: partitions check skipped"
  # The image's one-shot command instead, on the compose network, against the compose services.
  net=$(podman inspect --format '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' \
    "${PROJECT}_api_1" | awk '{print $1}')
  out=$(podman run --rm --network "$net" -e "API_TOKEN=$token" -e SOURCE_API_URL=http://api:8000 \
    -e "TARGET_DATABASE_URL=postgres://windbin:$pgpass@target_db:5432/windbin_target" \
    -e WAIT_FOR_DEPS=60 "$IMAGE" etl --date "$DEMO_DAY" 2>&1) ||
    fail "'etl --date $DEMO_DAY' in the image failed: $out"
  st=$(target_sql "SELECT status || ' ' || rows_in FROM partitions
    WHERE job = 'etl' AND day = '$DEMO_DAY'")
  [ "$st" = "succeeded $DAY_READINGS" ] || fail "after 'etl --date $DEMO_DAY': partition is '$st'"
  say "etl in the image ok: $(grep -m1 'succeeded' <<<"$out")"
fi

if has_task scheduler && [ -d "$ROOT/ui" ]; then
  code=$(curl -sS -m 10 -o "$work/status.html" -w '%{http_code}' "http://127.0.0.1:$status_port/")
  [[ $code == [23]?? ]] || fail "status page on :$status_port (via the status service): HTTP $code"
  say "status page ok on :$status_port (HTTP $code)"
else
  say "status page not built yet: its check skipped"
fi

# --- 6. down ----------------------------------------------------------------------------------

t=$(date +%s)
vols=$(project_volumes)
down || fail "podman-compose down -v failed"
up_done=
[ -z "$(containers)" ] || fail "containers left after down: $(containers | tr '\n' ' ')"
left=0
for v in $vols; do podman volume exists "$v" 2>/dev/null && left=$((left + 1)); done
[ "$left" = 0 ] || fail "$left volume(s) left after down -v"
say "down -v in $(elapsed "$t") s, no container or volume left"
rm -rf "$work"

say "passed in $(elapsed "$T0") s: image ${size_mb} MB built in ${build_s} s; healthy ${healthy_s} s" \
  "after up${partitions_s:+; demo partitions done ${partitions_s} s after up}${late_s:+, the late day rebuilt ${late_s} s after up}"
