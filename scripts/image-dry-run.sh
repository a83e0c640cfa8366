#!/usr/bin/env bash
# Image dry run: deploy/docker/Dockerfile built and run without Docker (there is no daemon on the build machine).
#
# The Dockerfile is read by scripts/dockerfile-replay.ts into calls of the df_* functions below, one per
# instruction; it refuses anything this script cannot replay, so a Dockerfile change cannot silently leave the dry
# run behind. Then, in temp dirs:
#   build stage    the same files from the build context (its .dockerignore honoured), the same RUN commands
#                  (npm ci on the host's npm cache, build, prune, the tsconfig-paths check)
#   runtime stage  only what its COPY lines take from the build stage, the node binary where the image has it
#                  (/usr/local/bin), the service account's data dir
#   docker run     the image's ENV and nothing else from this shell, cwd WORKDIR, as the USER (uid 10001) and as
#                  PID 1 of a new PID namespace — both when root; a notice otherwise — for: the migrate command,
#                  the CLI's seed and users:create, the API (CMD) and a worker (the header comment's commands),
#                  the HEALTHCHECK command against both, a login + upload + sync round trip, the OpenAPI UI and
#                  queue dashboard pages with a script each (files read from node_modules at run time), then
#                  STOPSIGNAL and the exit status 128 + signal the Dockerfile promises.
# Host stand-ins, printed in the summary: absolute paths of the image live under the temp root, EXPOSEd ports
# become free ports (in ENV values too), PostgreSQL and Redis are the machine's (a ds_image_* database and a
# ds-image-* key prefix, both removed at exit, as are the temp dirs, also on failure).
#
# Usage: scripts/image-dry-run.sh, as root for the user switch and PID 1. Settings:
#   DRY_RUN_NODE        the node binary (default `node` on PATH; CI puts Node 24 first); the build uses it too
#   DRY_RUN_PG_URL      postgres://postgres@127.0.0.1:5432/postgres (trust), DRY_RUN_REDIS_URL redis://127.0.0.1:6379
#   DRY_RUN_LOGS        a directory to keep the entries' logs in; DRY_RUN_DOCKERFILE, DRY_RUN_TMPDIR
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
dockerfile=${DRY_RUN_DOCKERFILE:-deploy/docker/Dockerfile}
# BuildKit reads <Dockerfile>.dockerignore beside the Dockerfile, else .dockerignore at the context root.
ignore_file=$dockerfile.dockerignore
[ -f "$ignore_file" ] || ignore_file=.dockerignore
[ -f "$ignore_file" ] || ignore_file=-
pg_admin_url=${DRY_RUN_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
redis_url=${DRY_RUN_REDIS_URL:-redis://127.0.0.1:6379}
node_bin=$(command -v "${DRY_RUN_NODE:-node}") || { echo "no node binary (DRY_RUN_NODE=${DRY_RUN_NODE:-node})"; exit 1; }
node_bin=$(readlink -f "$node_bin")
npm_dir=$(dirname "$(command -v npm)")
# PATH of the node images; their node is /usr/local/bin/node.
image_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
helper=("$node_bin" -r ts-node/register/transpile-only scripts/dockerfile-replay.ts)

now_ms() { date +%s%3N; }
started=$(now_ms)
timings=()
notices=()
lap() { timings+=("$(printf '%7.1f s  %s' "$(( $(now_ms) - $2 ))e-3" "$1")"); }
notice() { notices+=("$*"); printf 'notice: %s\n' "$*"; }
fail() { printf '\nimage dry run FAILED: %s\n' "$*" >&2; exit 1; }

run_id="$(date +%s)_$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')"
db=ds_image_$run_id
prefix=ds-image-$run_id
# Two node_modules trees: on a tmpfs when there is one with room (on this machine's disk, mounted with `discard`,
# deleting them took ~25 s); DRY_RUN_TMPDIR to choose.
tmp_base=${DRY_RUN_TMPDIR:-${TMPDIR:-/tmp}}
if [ -z "${DRY_RUN_TMPDIR:-}" ] && [ -w /dev/shm ] && ! findmnt -no OPTIONS /dev/shm | grep -q noexec &&
  (( $(df --output=avail -k /dev/shm | tail -1) > 4 * 1024 * 1024 )); then
  tmp_base=/dev/shm
fi
work=$(mktemp -d "$tmp_base/ds-image.XXXXXX")
chmod 755 "$work" # the service user must reach the runtime root below it
as_root=""
[ "$(id -u)" = 0 ] && as_root=1

# ---- clean-up: processes, database, Redis keys, temp dirs; also on failure ------------------------------------------
declare -A launched=() # entry name → pid of what was started (unshare, or node itself)
db_created=""
cleaned=""
clean_up() {
  [ -n "$cleaned" ] && return
  cleaned=1
  local name pid
  for name in "${!launched[@]}"; do
    pid=${launched[$name]}
    kill -0 "$pid" 2>/dev/null || continue
    entry_pid "$pid" | xargs -r kill -KILL 2>/dev/null || true
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  [ -z "$db_created" ] || psql "$pg_admin_url" -qAtc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null || true
  redis-cli -u "$redis_url" --scan --pattern "$prefix:*" | xargs -r -n 500 redis-cli -u "$redis_url" del >/dev/null ||
    true
  [ -z "${DRY_RUN_LOGS:-}" ] || { mkdir -p "$DRY_RUN_LOGS" && cp "$work"/*.log "$DRY_RUN_LOGS"/; } 2>/dev/null || true
  rm -rf "$work"
}
trap 'status=$?; clean_up; exit $status' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- the Dockerfile's instructions ---------------------------------------------------------------------------------
declare -A root=() workdir=() accounts=()
stage=""
step_text=""
step_start=0
exposed=()
run_uid="" run_gid="" stop_signal="" image_cmd=() hc_cmd=()

step_done() { [ -z "$step_text" ] || (( $(now_ms) - step_start < 1000 )) || lap "$step_text" "$step_start"; }
df_at() {
  step_done
  step_text=$2
  step_start=$(now_ms)
  printf '#%-3s %s\n' "$1" "$(printf '%s' "$2" | cut -c1-112)"
}
# A path of the current stage (absolute, or relative to its WORKDIR) under its temp root.
in_stage() {
  local path=$1
  [[ $path == /* ]] || path="${workdir[$stage]:-}/$path"
  printf '%s%s' "${root[$stage]}" "$path"
}
df_stage() {
  stage=$1
  root[$stage]=$work/$stage
  declare -ga "env_$stage=()"
  mkdir -p "${root[$stage]}/usr/local/bin"
  # The image's node: a hard link (a copy across file systems), so its own folder's permissions do not matter.
  ln -f "$node_bin" "${root[$stage]}/usr/local/bin/node" 2>/dev/null || cp "$node_bin" "${root[$stage]}/usr/local/bin/node"
  local want=${2#node:} have
  have=$("$node_bin" -p process.versions.node)
  want=${want%%[-@]*}
  image_node=$want
  [ "${have%%.*}" = "${want%%.*}" ] ||
    notice "stage $stage: the image runs Node $want, this dry run Node $have (set DRY_RUN_NODE or PATH)"
}
df_workdir() {
  workdir[$stage]=$1
  mkdir -p "$(in_stage "$1")"
}
df_env() {
  local -n vars="env_$stage"
  vars+=("$1=$2")
}
df_copy_context() {
  local target
  target=$(in_stage "$1")
  shift
  "${helper[@]}" copy-context "$repo" "$ignore_file" "$target" "$@"
}
df_copy_from() {
  local from_root=${root[$1]} target src
  target=$(in_stage "$2")
  shift 2
  for src; do
    if [ -d "$from_root$src" ]; then
      mkdir -p "$target"
      cp -a "$from_root$src/." "$target/"
    elif [[ $target == */ ]]; then
      mkdir -p "$target"
      cp -a "$from_root$src" "$target"
    else
      mkdir -p "$(dirname "$target")"
      cp -a "$from_root$src" "$target"
    fi
  done
}
host_ca=()
host_cafile=$(npm config get cafile 2>/dev/null || true)
[ -n "$host_cafile" ] && [ "$host_cafile" != null ] && [ "$host_cafile" != undefined ] && host_ca+=("npm_config_cafile=$host_cafile")
[ -n "${NODE_EXTRA_CA_CERTS:-}" ] && host_ca+=("NODE_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS")
df_run() {
  local -n vars="env_$stage"
  # The host's npm settings (registry, proxy, the CA its network needs) and cache stand in for the builder's
  # network and its cache mount. The CA file comes from the host's global npmrc, which the stage's npm (its own
  # prefix) does not read: without it a TLS-intercepting proxy fails every package the cache lacks.
  local host=(HOME="$HOME" npm_config_prefer_offline=true "${host_ca[@]}") name
  for name in $(compgen -e | grep -iE '^(npm_config_|https?_proxy$|no_proxy$)' || true); do host+=("$name=${!name}"); done
  (cd "$(in_stage .)" && env -i PATH="${root[$stage]}/usr/local/bin:$image_path:$npm_dir" "${host[@]}" "${vars[@]}" \
    sh -c "$1") || fail "RUN $1"
}
# The service account is only recorded (its uid and home); its directories are made under the temp root.
df_account() { accounts[$1]="$2 $3"; }
df_mkdir() {
  local path
  for path; do mkdir -p "${root[$stage]}$path"; done
}
df_chown() {
  local owner=$1 path
  shift
  if [ -z "$as_root" ]; then
    notice "not root: $* stay owned by $(id -un), not $owner"
    return
  fi
  for path; do chown "$owner" "${root[$stage]}$path"; done
}
df_user() { run_uid=$1 run_gid=$2; }
df_volume() { :; } # the data dir is a temp dir already
df_expose() { exposed+=("$@"); }
df_stopsignal() { stop_signal=$1; }
df_healthcheck() {
  hc_interval=$1 hc_timeout=$2 hc_start=$3 hc_retries=$4
  hc_cmd=("${@:5}")
}
df_cmd() { image_cmd=("$@"); }
df_entry_env() {
  declare -ga "entry_env_$1"
  local -n vars="entry_env_$1"
  vars+=("$2")
}
df_entry() {
  declare -ga "entry_env_$1" "entry_cmd_$1"
  local -n cmd="entry_cmd_$1"
  cmd=("${@:2}")
}

# ---- build and assemble ----------------------------------------------------------------------------------------------
printf '==> image dry run of %s: node %s (%s), npm %s\n' "$dockerfile" "$("$node_bin" --version)" "$node_bin" \
  "$(PATH="$(dirname "$node_bin"):$PATH" npm --version)"
"${helper[@]}" plan "$dockerfile" >"$work/plan.sh" || fail "the Dockerfile changed in a way the dry run cannot replay"
t=$(now_ms)
# shellcheck source=/dev/null
source "$work/plan.sh"
step_done
lap "build stage replayed, runtime stage assembled" "$t"
[ -n "$run_uid" ] && [ -n "$stop_signal" ] && [ ${#image_cmd[@]} -gt 0 ] && [ ${#hc_cmd[@]} -gt 0 ] ||
  fail "the final stage needs USER, STOPSIGNAL, CMD and HEALTHCHECK"
for name in api worker migrate; do
  declare -n cmd="entry_cmd_$name"
  [ ${#cmd[@]} -gt 0 ] || cmd=("${image_cmd[@]}")
  unset -n cmd
done
[ "${entry_cmd_migrate[-1]}" = migrate ] || fail "the header's migrate command does not end in 'migrate'"
cli=("${entry_cmd_migrate[@]:0:${#entry_cmd_migrate[@]}-1}")
app=$(cd "$(in_stage .)" && pwd)
marker=$work/assembled
touch "$marker"

# The image's environment with the host stand-ins: container paths under the temp root, EXPOSEd ports → free ports.
declare -A port_map=()
read -r -a free < <("$node_bin" -e '
  const net = require("net"); const n = Number(process.argv[1]); const servers = [];
  for (let i = 0; i < n; i++) servers.push(net.createServer().listen(0));
  Promise.all(servers.map((s) => new Promise((ok) => s.on("listening", ok)))).then(() => {
    console.log(servers.map((s) => s.address().port).join(" ")); servers.forEach((s) => s.close()); });' "${#exposed[@]}")
for i in "${!exposed[@]}"; do port_map[${exposed[$i]}]=${free[$i]}; done
host_value() {
  local value=$1
  if [[ $value == /* ]]; then value=${root[$stage]}$value; fi
  if [ -n "${port_map[$value]:-}" ]; then value=${port_map[$value]}; fi
  printf '%s' "$value"
}
read -r _ home <<<"${accounts[$run_uid]:-0 /}"
image_env=(PATH="${root[$stage]}/usr/local/bin:$image_path" HOME="$(host_value "$home")")
declare -n final_env="env_$stage"
for kv in "${final_env[@]}"; do image_env+=("${kv%%=*}=$(host_value "${kv#*=}")"); done
env_value() { # NAME [entry]: the value an entry sees
  local kv value=""
  for kv in "${image_env[@]}"; do [ "${kv%%=*}" != "$1" ] || value=${kv#*=}; done
  if [ -n "${2:-}" ]; then
    local -n extra="entry_env_$2"
    for kv in "${extra[@]}"; do [ "${kv%%=*}" != "$1" ] || value=$(host_value "${kv#*=}"); done
  fi
  printf '%s' "$value"
}
data_dir=$(env_value DATA_DIR)
jwt_secret=$(head -c 48 /dev/urandom | base64 -w0)
run_env=(DATABASE_URL="${pg_admin_url%/*}/$db" REDIS_URL="$redis_url" REDIS_PREFIX="$prefix" JWT_SECRET="$jwt_secret")
if [ -z "$as_root" ]; then
  notice "not root: the entries run as $(id -un), not uid $run_uid, and not as PID 1 (exit statuses less telling)"
fi

# `docker run`: MODE (pid1 | exec) [NAME=value...] -- command...; replaces the calling (sub)shell.
container() {
  local mode=$1 extra=() wrap=()
  shift
  while [ "$1" != -- ]; do extra+=("$1") && shift; done
  shift
  if [ -n "$as_root" ]; then
    [ "$mode" != pid1 ] || wrap+=(unshare --fork --pid --mount-proc)
    wrap+=(setpriv --reuid="$run_uid" --regid="$run_gid" --clear-groups)
  fi
  cd "$app" && exec env -i "${image_env[@]}" "${run_env[@]}" "${extra[@]}" "${wrap[@]}" "$@"
}
entry_extra() { local -n vars="entry_env_$1"; for kv in "${vars[@]}"; do printf '%s\n' "${kv%%=*}=$(host_value "${kv#*=}")"; done; }
# The entry's own pid when it runs under unshare (the child unshare forked), else the pid itself.
entry_pid() {
  if [ -n "$as_root" ]; then cat "/proc/$1/task/$1/children" 2>/dev/null | awk '{print $1}'; else echo "$1"; fi
}
run_cli() { # name, then the CLI's arguments
  local name=$1 log=$work/$1.log t
  shift
  t=$(now_ms)
  (container pid1 -- "$@") >"$log" 2>&1 || { cat "$log"; fail "$name: $*"; }
  lap "$name" "$t"
}
start() { # entry name: runs it in the background, pid in launched[name]
  local name=$1 extra
  mapfile -t extra < <(entry_extra "$name")
  local -n cmd="entry_cmd_$name"
  (container pid1 "${extra[@]}" -- "${cmd[@]}") >"$work/$name.log" 2>&1 &
  launched[$name]=$!
}
wait_http() { # name url seconds
  local name=$1 url=$2 deadline=$(( $(now_ms) + $3 * 1000 ))
  until curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; do
    kill -0 "${launched[$name]}" 2>/dev/null || { cat "$work/$name.log"; fail "$name exited before $url answered"; }
    (( $(now_ms) < deadline )) || { cat "$work/$name.log"; fail "$name: no answer from $url in $3 s"; }
    sleep 0.2
  done
}
healthcheck() { # name → the HEALTHCHECK command's exit status, run in the entry's container as docker would
  local extra status=0
  mapfile -t extra < <(entry_extra "$1")
  (container exec "${extra[@]}" -- timeout "$hc_timeout" "${hc_cmd[@]}") >>"$work/$1.health.log" 2>&1 || status=$?
  return "$status"
}
stop() { # name: STOPSIGNAL, then stop_status and stop_ms; a failure after the 30 s the Dockerfile asks for
  local name=$1 pid=${launched[$1]} t target
  target=$(entry_pid "$pid")
  [ -n "$target" ] || fail "$name: no process to signal"
  t=$(now_ms)
  kill -s "${stop_signal#SIG}" "$target"
  while kill -0 "$pid" 2>/dev/null && (( $(now_ms) - t < 30000 )); do sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    cat "$work/$name.log"
    fail "$name still running 30 s after $stop_signal"
  fi
  stop_status=0
  wait "$pid" || stop_status=$?
  stop_ms=$(( $(now_ms) - t ))
  unset "launched[$name]"
}
json() { "$node_bin" -p "const v = JSON.parse(require('fs').readFileSync(0, 'utf8'))$1; typeof v === 'object' ? JSON.stringify(v) : v"; }

# ---- run it ----------------------------------------------------------------------------------------------------------
printf '\n==> docker run: as uid %s, cwd %s\n' "$run_uid" "$app"
psql "$pg_admin_url" -v ON_ERROR_STOP=1 -qAtc "CREATE DATABASE $db" >/dev/null
db_created=1
run_cli migrate "${entry_cmd_migrate[@]}"
grep -q 'migrations applied' "$work/migrate.log" || { cat "$work/migrate.log"; fail "migrate did not report success"; }
# Templates and sample files (no demo users in production), then an admin of our own (uploads, and the dashboard).
run_cli seed "${cli[@]}" seed
user=image-dry-run password=$(head -c 18 /dev/urandom | base64 -w0 | tr '+/' '-_')
run_cli users:create "${cli[@]}" users:create --username "$user" --password "$password" --role admin

api_port=$(env_value HEALTHCHECK_PORT api)
worker_port=$(env_value HEALTHCHECK_PORT worker)
t=$(now_ms)
start api
start worker
wait_http api "http://127.0.0.1:$api_port/health/ready" 60
api_ready=$(( $(now_ms) - t ))
wait_http worker "http://127.0.0.1:$worker_port/health/ready" 60
worker_ready=$(( $(now_ms) - t ))
lap "api and worker ready (api ${api_ready} ms, worker ${worker_ready} ms)" "$t"
(( api_ready <= hc_start * 1000 && worker_ready <= hc_start * 1000 )) ||
  notice "not ready within the HEALTHCHECK start period (${hc_start} s) on this machine"
if [ -n "$as_root" ]; then
  for name in api worker; do
    status_file=/proc/$(entry_pid "${launched[$name]}")/status
    grep -Eq "^Uid:\s+$run_uid\s+$run_uid\s" "$status_file" || fail "$name does not run as uid $run_uid"
    grep -Eq '^NSpid:\s+[0-9]+\s+1$' "$status_file" || fail "$name is not PID 1 of its PID namespace"
  done
fi
for name in api worker; do healthcheck "$name" || fail "$name: the HEALTHCHECK command failed on a live $name"; done
[ "$(curl -fsS "http://127.0.0.1:$api_port/health/ready" | json .status)" = ok ] || fail "api /health/ready not ok"

# Login, upload (the head of a seeded sample, so new bytes), sync it on the worker.
t=$(now_ms)
api=http://127.0.0.1:$api_port/api
call() { # what, curl arguments → the response body; fails with the error body
  local body
  body=$(curl -sS --fail-with-body --max-time 30 "${@:2}") || fail "$1: $body"
  printf '%s' "$body"
}
body=$(call login -X POST "$api/auth/login" -H 'content-type: application/json' \
  -d "{\"username\":\"$user\",\"password\":\"$password\"}")
token=$(json .access_token <<<"$body")
auth=(-H "authorization: Bearer $token")
sample=$(find "$data_dir/samples" -name '*.csv' | sort | head -1)
[ -n "$sample" ] || fail "the seed wrote no CSV sample into DATA_DIR/samples"
mkdir "$work/client"
upload=$work/client/$(basename "$sample")
head -n 6 "$sample" >"$upload"
# Its metadata from the file name: platform__shop__domain__sub__granularity__start_end.csv
name=$(basename "$upload" .csv)
IFS='|' read -r platform shop domain sub granularity period <<<"${name//__/|}"
body=$(call upload "$api/data-sync/files" "${auth[@]}" -F "platform=$platform" -F "shop_id=$shop" \
  -F "data_domain=$domain" -F "sub_domain=$sub" -F "granularity=$granularity" -F "period_start=${period%%_*}" \
  -F "period_end=${period##*_}" -F "file=@$upload")
file_id=$(json .id <<<"$body")
body=$(call sync -X POST "$api/data-sync/single" "${auth[@]}" -H 'content-type: application/json' \
  -d "{\"file_id\":$file_id}")
task_id=$(json .task_id <<<"$body")
deadline=$(( $(now_ms) + 60000 ))
while :; do
  task=$(call task-status "$api/data-sync/task-status/$task_id" "${auth[@]}")
  status=$(json .status <<<"$task")
  case $status in completed | failed | cancelled) break ;; esac
  (( $(now_ms) < deadline )) || fail "task $task_id still $status after 60 s"
  sleep 0.3
done
[ "$status" = completed ] || { cat "$work/worker.log"; fail "task $task_id $status: $task"; }
rows=$(json '.files[0].rows_total' <<<"$task")
inserted=$(json '.files[0].inserted' <<<"$task")
(( rows > 0 && inserted > 0 )) || fail "task $task_id completed without rows: $task"
lap "login, upload, sync: $(basename "$upload") ($rows rows, $inserted inserted)" "$t"

# Files the API serves from node_modules at run time: the OpenAPI UI's and the queue dashboard's.
t=$(now_ms)
first_script() { # page URL, its HTML → the absolute URL of its first <script src> (as a browser resolves it)
  local src base
  src=$(grep -o '<script[^>]* src="[^"]*"' <<<"$2" | head -1 | sed 's/.* src="//; s/"$//')
  base=$(grep -o '<base href="[^"]*"' <<<"$2" | head -1 | sed 's/.* href="//; s/"$//' || true)
  [ -n "$src" ] || fail "no <script src> in $1"
  "$node_bin" -p 'new URL(process.argv[1], new URL(process.argv[2], process.argv[3])).href' "$src" "${base:-.}" "$1"
}
docs_url=http://127.0.0.1:$api_port/api/docs
docs=$(call "OpenAPI UI" -L "$docs_url")
script_url=$(first_script "$docs_url" "$docs")
script=$(call "OpenAPI UI script" "$script_url")
[ -n "$script" ] || fail "the OpenAPI UI's script $script_url is empty"
board_url=http://127.0.0.1:$api_port/admin/queues
jar=$work/client/cookies
call "admin login" -X POST "http://127.0.0.1:$api_port/admin/login" "${auth[@]}" -c "$jar" >/dev/null
board=$(call "queue dashboard" "$board_url" -b "$jar" -H 'accept: text/html')
script_url=$(first_script "$board_url" "$board")
script=$(call "queue dashboard script" "$script_url" -b "$jar")
[ -n "$script" ] || fail "the queue dashboard's script $script_url is empty"
queues=$(call "queue dashboard API" "$board_url/api/queues" -b "$jar" -H 'accept: application/json')
[ "$(json '.queues.length' <<<"$queues")" -ge 1 ] || fail "the queue dashboard lists no queue: $queues"
lap "OpenAPI UI and queue dashboard with their scripts" "$t"

# Stop both as docker stop would; the Dockerfile promises 128 + the STOPSIGNAL's number.
expected=$(( 128 + $(kill -l "${stop_signal#SIG}") ))
t=$(now_ms)
stop api
api_status=$stop_status api_stop_ms=$stop_ms
stop worker
worker_status=$stop_status worker_stop_ms=$stop_ms
lap "$stop_signal: api exit $api_status in ${api_stop_ms} ms, worker exit $worker_status in ${worker_stop_ms} ms" "$t"
[ "$api_status" = "$expected" ] || { cat "$work/api.log"; fail "api exited $api_status after $stop_signal, not $expected"; }
[ "$worker_status" = "$expected" ] || { cat "$work/worker.log"; fail "worker exited $worker_status, not $expected"; }
for name in api worker; do ! healthcheck "$name" || fail "$name: the HEALTHCHECK command passed with $name stopped"; done
written=$(find "$app" -newer "$marker" -print -quit)
[ -z "$written" ] || fail "the entries wrote into the image's read-only app files: $written"

# ---- clean up, prove it, sum up ----------------------------------------------------------------------------------------
t=$(now_ms)
clean_up
left=()
[ ! -e "$work" ] || left+=("$work")
[ -z "$(psql "$pg_admin_url" -qAtc "SELECT 1 FROM pg_database WHERE datname = '$db'")" ] || left+=("database $db")
[ -z "$(redis-cli -u "$redis_url" --scan --pattern "$prefix:*" | head -1)" ] || left+=("Redis keys $prefix:*")
[ ${#left[@]} -eq 0 ] || fail "left behind: ${left[*]}"
lap "clean-up (temp dirs, database, Redis keys): nothing left" "$t"

printf '\n==> image dry run passed in %s s (node %s; the image: %s)\n' "$(( ($(now_ms) - started) / 1000 ))" \
  "$("$node_bin" --version)" "$image_node"
printf '%s\n' "${timings[@]}"
ports=""
for p in "${!port_map[@]}"; do ports+=" $p→${port_map[$p]}"; done
printf 'host stand-ins: a temp root for /, ports%s, database %s, Redis %s prefix %s\n' "$ports" \
  "${pg_admin_url%/*}/$db" "$redis_url" "$prefix"
[ ${#notices[@]} -eq 0 ] || printf 'notice: %s\n' "${notices[@]}"
