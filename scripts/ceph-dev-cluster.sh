#!/usr/bin/env bash
# A throw-away single-host Ceph cluster (Pacific) with an S3 endpoint (radosgw), for tests and
# development: 1 monitor, 1 manager, 3 BlueStore OSDs on sparse files, 1 radosgw, every daemon on
# 127.0.0.1 only and all of them inside one memory-capped cgroup. See docs/ceph-dev-cluster.md.
#
#   scripts/ceph-dev-cluster.sh start  DIR [--rgw-port N] [--owner-pid PID]
#                                  boot a cluster whose files all live in DIR; with --owner-pid, a
#                                  watchdog stops it and deletes DIR once process PID is gone
#   scripts/ceph-dev-cluster.sh stop   DIR [--purge]   stop the daemons whose pid files are in DIR
#                                  (--purge: then delete DIR)
#   scripts/ceph-dev-cluster.sh status DIR             `ceph -s` of that cluster
#   scripts/ceph-dev-cluster.sh kill-osd  DIR N        SIGKILL osd.N (durability tests)
#   scripts/ceph-dev-cluster.sh start-osd DIR N        start osd.N again and wait until it is up
#
# Environment (all optional):
#   CEPH_DEV_BASE_PORT      derive every port from one base B: monitor B (msgr2) and B+1 (msgr1),
#                           radosgw B+2, messenger range B+10..B+99; so two clusters with bases
#                           100 apart never collide
#   CEPH_DEV_MON_PORT       monitor msgr2 port (default 3300, or B)
#   CEPH_DEV_MON_V1_PORT    monitor msgr1 port (default 6789, or B+1)
#   CEPH_DEV_RGW_PORT       radosgw port (default 7480, or B+2; --rgw-port wins)
#   CEPH_DEV_MS_PORT_MIN    first port of the daemons' messenger range (default 20100, or B+10)
#   CEPH_DEV_MS_PORT_MAX    last port of that range (default 20199, or B+99)
#   CEPH_DEV_ACCESS_KEY     S3 access key id of the user created (default: random)
#   CEPH_DEV_SECRET_KEY     its secret (default: random)
#   CEPH_DEV_SYSTEM_ACCESS_KEY / CEPH_DEV_SYSTEM_SECRET_KEY
#                           keys of the radosgw *system* user also created (uid bucketfront-system;
#                           an s3-store origin writes replicas with them); default: random
#   CEPH_DEV_MEMORY_LIMIT   cgroup memory cap in bytes (default 3 GiB)
#   CEPH_DEV_START_TIMEOUT  seconds `start` may take before it gives up (default 90)
set -euo pipefail

usage() {
  sed -n '6,13p' "$0" | sed 's/^#  //' >&2
  exit 2
}

log() { printf '[ceph-dev-cluster] %s\n' "$*" >&2; }
warn() {
  printf '\n!!!!!!!! [ceph-dev-cluster] WARNING: %s\n\n' "$*" >&2
}

[ $# -ge 2 ] || usage
command_name="$1"
case "$command_name" in start | stop | status | kill-osd | start-osd | _watch) ;; *) usage ;; esac
[ "$command_name" != start ] || mkdir -p "$2"
[ -d "$2" ] || { log "no such directory: $2"; exit 2; }
DIR="$(cd "$2" && pwd -P)" # absolute: the conf, pid files and cgroup name all use it
shift 2

SELF="$(cd "$(dirname "$0")" && pwd -P)/$(basename "$0")" # this script, absolute (for the watchdog)
CONF="$DIR/ceph.conf"
LOG_DIR="$DIR/log"
DATA_DIR="$DIR/data"
CGROUP_FILE="$DIR/cgroup.path" # where `start` put the cgroup, for stop/start-osd
OSD_COUNT=3
MON_ID=a
MGR_ID=x
RGW_NAME=client.rgw.a
GIB=$((1024 * 1024 * 1024))

# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------

# `ceph` against this cluster, never waiting longer than the given number of seconds.
ceph_cli() {
  local seconds="$1"
  shift
  timeout --kill-after=2 "$seconds" ceph --conf "$CONF" --connect-timeout "$seconds" "$@"
}

# True when the process in pid file $1 is alive (not a zombie) and is one of ours: one of its
# arguments is this cluster's ceph.conf. A recycled pid that now belongs to someone else is no match.
pid_of_ours() {
  local pidfile="$1" pid state
  [ -s "$pidfile" ] || return 1
  pid="$(tr -d '[:space:]' <"$pidfile")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [ -r "/proc/$pid/stat" ] || return 1
  state="$(sed -E 's/^.*\) ([A-Z]).*$/\1/' "/proc/$pid/stat" 2>/dev/null || true)"
  [ "$state" != Z ] && [ "$state" != X ] || return 1
  # (the braces: a process gone meanwhile makes the redirection itself fail; keep that quiet too)
  { tr '\0' '\n' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qxF -- "$CONF" || return 1
  printf '%s\n' "$pid"
}

# Print the last lines of a daemon's log file and of its stdout/stderr capture.
show_log() {
  local name="$1" file
  for file in "$LOG_DIR/$name.log" "$LOG_DIR/$name.out"; do
    if [ -s "$file" ]; then
      printf -- '----- last lines of %s -----\n' "$file" >&2
      tail -n 25 "$file" >&2
    fi
  done
}

# Random hex string of $1 bytes (upper case), from /dev/urandom.
random_hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n' | tr 'a-f' 'A-F'; }

# A fresh UUID (the kernel makes them; no uuidgen needed).
new_uuid() { cat /proc/sys/kernel/random/uuid; }

# Is something listening on TCP port $1 (any address)? (Without `ss`, assume not: the daemon's
# own bind error then says so.)
port_in_use() {
  command -v ss >/dev/null 2>&1 || return 1
  [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
}

# ---------------------------------------------------------------------------------------------
# The memory cgroup: every daemon (and its mkfs) runs inside it, so nothing the cluster does can
# use up the machine's memory (there is no swap). The name is unique per DIR.
# ---------------------------------------------------------------------------------------------

cgroup_name() { printf 'bucketfront-ceph-%s' "$(printf '%s' "$DIR" | sha256sum | cut -c1-12)"; }

# Create the cgroup (if possible) and record its path in $CGROUP_FILE ("" when there is none).
cgroup_create() {
  local limit="${CEPH_DEV_MEMORY_LIMIT:-$((3 * GIB))}" name path=""
  name="$(cgroup_name)"
  if [ "$(id -u)" != 0 ]; then
    warn "not root (uid $(id -u)): cannot create a memory cgroup; the cluster runs WITHOUT a memory cap"
  elif [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then
    # cgroup v1: the memory controller has its own hierarchy.
    path="/sys/fs/cgroup/memory/$name"
    mkdir -p "$path"
    echo "$limit" >"$path/memory.limit_in_bytes"
  elif [ -f /sys/fs/cgroup/cgroup.controllers ] && grep -qw memory /sys/fs/cgroup/cgroup.controllers; then
    # cgroup v2: one hierarchy; the parent must delegate the memory controller to its children.
    grep -qw memory /sys/fs/cgroup/cgroup.subtree_control ||
      echo +memory >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true
    path="/sys/fs/cgroup/$name"
    mkdir -p "$path"
    if ! echo "$limit" >"$path/memory.max" 2>/dev/null; then
      rmdir "$path" 2>/dev/null || true
      path=""
      warn "cgroup v2 without a usable memory controller: the cluster runs WITHOUT a memory cap"
    fi
    [ -z "$path" ] || echo 0 >"$path/memory.swap.max" 2>/dev/null || true
  else
    warn "no cgroup memory controller found (neither v1 nor v2): the cluster runs WITHOUT a memory cap"
  fi
  printf '%s\n' "$path" >"$CGROUP_FILE"
}

cgroup_path() { if [ -f "$CGROUP_FILE" ]; then cat "$CGROUP_FILE"; fi; }

# Run "$@" in the background, inside the cgroup, in its own session (so a Ctrl-C aimed at the
# caller does not reach it), stdout/stderr to $LOG_DIR/NAME.out, its pid in $DIR/NAME.pid. The
# subshell joins the cgroup, then execs the daemon, so the daemon keeps the subshell's pid ($!).
launch() {
  local name="$1" cg
  shift
  cg="$(cgroup_path)"
  (
    if [ -n "$cg" ] && [ -d "$cg" ]; then echo "$BASHPID" >"$cg/cgroup.procs"; fi
    exec setsid "$@" </dev/null >>"$LOG_DIR/$name.out" 2>&1
  ) &
  local pid=$!
  echo "$pid" >"$DIR/$name.pid"
  # Until the subshell has joined the cgroup and exec'd the daemon, its command line is this
  # script's, which pid_of_ours does not own: a require_alive in that window (likely on a loaded
  # machine) took a starting daemon for a dead one. Wait for the exec, or for the child's end
  # (a daemon that dies is then reported by require_alive with its log).
  for _ in $(seq 1 200); do
    pid_of_ours "$DIR/$name.pid" >/dev/null && return 0
    [ -r "/proc/$pid/stat" ] || return 0
    sleep 0.05
  done
}

# Run "$@" in the foreground inside the cgroup (used for mkfs).
in_cgroup() {
  local cg
  cg="$(cgroup_path)"
  (
    if [ -n "$cg" ] && [ -d "$cg" ]; then echo "$BASHPID" >"$cg/cgroup.procs"; fi
    exec "$@"
  )
}

cgroup_remove() {
  local cg left
  cg="$(cgroup_path)"
  [ -n "$cg" ] && [ -d "$cg" ] || return 0
  for _ in $(seq 1 50); do
    rmdir "$cg" 2>/dev/null && return 0
    sleep 0.1
  done
  left="$(tr '\n' ' ' <"$cg/cgroup.procs" 2>/dev/null || true)"
  warn "could not remove the cgroup $cg (processes still in it: ${left:-none listed})"
}

# ---------------------------------------------------------------------------------------------
# Ports and ceph.conf
# ---------------------------------------------------------------------------------------------

resolve_ports() {
  local base="${CEPH_DEV_BASE_PORT:-}"
  if [ -n "$base" ]; then
    MON_PORT="${CEPH_DEV_MON_PORT:-$base}"
    MON_V1_PORT="${CEPH_DEV_MON_V1_PORT:-$((base + 1))}"
    RGW_PORT="${RGW_PORT_ARG:-${CEPH_DEV_RGW_PORT:-$((base + 2))}}"
    MS_MIN="${CEPH_DEV_MS_PORT_MIN:-$((base + 10))}"
    MS_MAX="${CEPH_DEV_MS_PORT_MAX:-$((base + 99))}"
  else
    MON_PORT="${CEPH_DEV_MON_PORT:-3300}"
    MON_V1_PORT="${CEPH_DEV_MON_V1_PORT:-6789}"
    RGW_PORT="${RGW_PORT_ARG:-${CEPH_DEV_RGW_PORT:-7480}}"
    MS_MIN="${CEPH_DEV_MS_PORT_MIN:-20100}"
    MS_MAX="${CEPH_DEV_MS_PORT_MAX:-20199}"
  fi
  local port
  for port in "$MON_PORT" "$MON_V1_PORT" "$RGW_PORT" "$MS_MIN" "$MS_MAX"; do
    if ! { [[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ]; }; then
      log "not a port: '$port'"
      exit 2
    fi
  done
  # Each OSD binds 8 messenger ports (4 messengers x msgr1/msgr2), the manager 2.
  if [ $((MS_MAX - MS_MIN + 1)) -lt 40 ]; then
    log "messenger port range $MS_MIN-$MS_MAX is too small (need at least 40 ports)"
    exit 2
  fi
}

# Every setting is explained in docs/ceph-dev-cluster.md.
write_conf() {
  local fsid="$1"
  cat >"$CONF" <<EOF
# Generated by scripts/ceph-dev-cluster.sh for a throw-away test cluster; see docs/ceph-dev-cluster.md.
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$MON_PORT,v1:127.0.0.1:$MON_V1_PORT]
# Loopback only: without these the manager and the OSDs listen on every interface.
public network = 127.0.0.0/8
cluster network = 127.0.0.0/8
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv6 = false
ms bind port min = $MS_MIN
ms bind port max = $MS_MAX
# A loopback test cluster: no cephx.
auth cluster required = none
auth service required = none
auth client required = none
# Everything this cluster writes stays in its directory.
run dir = $DIR/run
admin socket = $DIR/run/\$name.asok
# (the daemons' own pid files; the script's, in DIR, cover radosgw too, which writes none with -f)
pid file = $DIR/run/\$name.pid
log file = $LOG_DIR/\$name.log
mon cluster log file = $LOG_DIR/cluster.log
crash dir = $DIR/crash
mon data = $DATA_DIR/mon.\$id
mgr data = $DATA_DIR/mgr.\$id
osd data = $DATA_DIR/osd.\$id
keyring = $DIR/keyring
# One host, three replicas: place copies on different OSDs, not hosts; one peer may report a dead OSD.
osd crush chooseleaf type = 0
mon osd reporter subtree level = osd
mon osd min down reporters = 1
osd pool default size = 3
osd pool default min size = 2
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool delete = true
# Quiet two health warnings that mean nothing here (no cephx at all; /tmp on a disk under 30 % free).
mon warn on insecure global id reclaim allowed = false
mon data avail warn = 10

[osd]
# BlueStore on 10 GiB sparse files (never memstore: it keeps several times the data in RAM).
osd objectstore = bluestore
bluestore block create = true
bluestore block size = $((10 * GIB))
osd memory target = 939524096
# The block files count as rotational, so recovery would pause 0.1 s between operations
# (osd_recovery_sleep_hdd): a restarted OSD took over a minute to catch up on a few hundred MiB.
osd recovery sleep = 0
osd recovery sleep hdd = 0

[$RGW_NAME]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT tcp_nodelay=1
rgw data = $DATA_DIR/rgw.a
# radosgw's built-in defaults force cephx and a secure mon connection: it would hang at start.
auth client required = none
ms mon client mode = crc
# Free deleted (e.g. multipart) data after 30 s instead of 2 hours.
rgw gc obj min wait = 30
rgw gc processor period = 30
# Parts of any size: the ObjectStore contract suite moves 1 KiB parts. bucketfront's origin enforces
# S3's 5 MiB minimum itself, so clients going through it see AWS's rule either way.
rgw multipart min part size = 1024
EOF
}

# ---------------------------------------------------------------------------------------------
# start
# ---------------------------------------------------------------------------------------------

START_TIMEOUT="${CEPH_DEV_START_TIMEOUT:-90}"
STARTING=0

remaining() {
  local left=$((DEADLINE - SECONDS))
  [ "$left" -gt 0 ] && echo "$left" || echo 1
}

# Give up: say what failed, show the log of the daemon concerned ("osds": the first OSD that is
# not up), stop whatever was started.
fail_start() {
  local message="$1" daemon="${2:-}" id
  trap - EXIT INT TERM
  log "FAILED after $((SECONDS - STARTED_AT)) s: $message"
  if [ "$daemon" = osds ]; then
    daemon=osd.0
    for id in $(seq 0 $((OSD_COUNT - 1))); do
      if ! DEADLINE=$((SECONDS + 5)) osd_is_up "$id" 2>/dev/null; then
        daemon="osd.$id"
        break
      fi
    done
  fi
  [ -z "$daemon" ] || show_log "$daemon"
  log "stopping what was started (logs stay in $LOG_DIR)"
  do_stop
  exit 1
}

# fail_start when the daemon in pid file $DIR/$1.pid has died (or never wrote its pid file).
require_alive() {
  local name="$1"
  pid_of_ours "$DIR/$name.pid" >/dev/null || fail_start "$name is not running" "$name"
}

# Poll "$@" every 0.5 s until it succeeds; fail_start (showing $2's log) at the deadline.
# $1: what we wait for (for the message); $2: the daemon whose log explains a failure; $3: daemons
# that must stay alive meanwhile (space separated).
wait_until() {
  local what="$1" daemon="$2" alive="$3" name
  shift 3
  while :; do
    "$@" >/dev/null 2>&1 && return 0
    for name in $alive; do require_alive "$name"; done
    [ "$SECONDS" -lt "$DEADLINE" ] || fail_start "timed out after ${START_TIMEOUT} s waiting until $what" "$daemon"
    sleep 0.5
  done
}

osds_up() {
  local want="$1" up
  up="$(ceph_cli "$(remaining)" osd stat -f json | sed -nE 's/.*"num_up_osds":([0-9]+).*/\1/p')"
  [ "${up:-0}" -ge "$want" ]
}

osd_is_up() {
  ceph_cli "$(remaining)" osd dump -f json | tr -d ' \n' | grep -q "\"osd\":$1,\"uuid\":\"[^\"]*\",\"up\":1"
}

rgw_answers() { curl -s -o /dev/null --max-time 3 "http://127.0.0.1:$RGW_PORT/"; }

# A SigV4-signed ListBuckets with the new user's keys answers 200. (radosgw insists on the
# x-amz-content-sha256 header, which curl 7.88 does not add by itself but does sign.)
rgw_signed_ok() {
  local code
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
    --aws-sigv4 'aws:amz:us-east-1:s3' --user "$ACCESS_KEY:$SECRET_KEY" "http://127.0.0.1:$RGW_PORT/")"
  [ "$code" = 200 ]
}

# Create, format and start osd.$1 (run in the background, three at once).
create_osd() {
  local id="$1" uuid
  uuid="$(new_uuid)"
  mkdir -p "$DATA_DIR/osd.$id"
  ceph_cli "$(remaining)" osd new "$uuid" "$id" >>"$LOG_DIR/osd.$id.out" 2>&1 || {
    echo "ceph osd new $uuid $id failed" >>"$LOG_DIR/osd.$id.out"
    return 1
  }
  # --mkfs creates the sparse 10 GiB block file ($DATA_DIR/osd.N/block) and formats it.
  in_cgroup timeout "$(remaining)" ceph-osd --conf "$CONF" -i "$id" --mkfs --osd-uuid "$uuid" \
    >>"$LOG_DIR/osd.$id.out" 2>&1 || {
    echo "ceph-osd --mkfs failed" >>"$LOG_DIR/osd.$id.out"
    return 1
  }
  start_osd_daemon "$id"
}

start_osd_daemon() {
  local id="$1"
  launch "osd.$id" ceph-osd --conf "$CONF" -i "$id" -f
}

do_start() {
  STARTED_AT=$SECONDS
  DEADLINE=$((SECONDS + START_TIMEOUT))
  resolve_ports

  if [ -e "$CONF" ]; then
    log "$DIR already holds a cluster ($CONF exists); stop it with '$0 stop $DIR --purge' or use an empty directory"
    exit 1
  fi
  local cmd
  for cmd in ceph ceph-mon ceph-mgr ceph-osd radosgw radosgw-admin monmaptool curl timeout setsid sha256sum; do
    command -v "$cmd" >/dev/null 2>&1 || { log "missing command: $cmd (apt-get install -y ceph-mon ceph-osd ceph-mgr radosgw ceph-common)"; exit 1; }
  done
  local port
  for port in "$MON_PORT" "$MON_V1_PORT" "$RGW_PORT"; do
    if port_in_use "$port"; then
      log "port 127.0.0.1:$port is already in use (another cluster?); choose other ports (CEPH_DEV_BASE_PORT, --rgw-port)"
      exit 1
    fi
  done

  ACCESS_KEY="${CEPH_DEV_ACCESS_KEY:-BF$(random_hex 9)}"
  SECRET_KEY="${CEPH_DEV_SECRET_KEY:-$(random_hex 20)}"
  SYSTEM_ACCESS_KEY="${CEPH_DEV_SYSTEM_ACCESS_KEY:-BS$(random_hex 9)}"
  SYSTEM_SECRET_KEY="${CEPH_DEV_SYSTEM_SECRET_KEY:-$(random_hex 20)}"

  mkdir -p "$LOG_DIR" "$DATA_DIR" "$DIR/run" "$DIR/crash"
  STARTING=1
  trap 'fail_start "interrupted"' INT TERM
  trap '[ "$STARTING" = 0 ] || fail_start "the script stopped unexpectedly (line $LINENO)"' EXIT
  cgroup_create
  [ -z "$OWNER_PID" ] || start_watchdog "$OWNER_PID"

  local fsid
  fsid="$(new_uuid)"
  write_conf "$fsid"
  log "starting a cluster in $DIR (monitor 127.0.0.1:$MON_PORT, radosgw 127.0.0.1:$RGW_PORT, messengers $MS_MIN-$MS_MAX, cgroup $(cgroup_path))"

  # 1. Monitor: a monmap naming just this one, a fresh store, then the daemon.
  monmaptool --create --fsid "$fsid" --addv "$MON_ID" "[v2:127.0.0.1:$MON_PORT,v1:127.0.0.1:$MON_V1_PORT]" \
    "$DIR/monmap" >>"$LOG_DIR/mon.$MON_ID.out" 2>&1 || fail_start "monmaptool failed" "mon.$MON_ID"
  mkdir -p "$DATA_DIR/mon.$MON_ID"
  in_cgroup timeout "$(remaining)" ceph-mon --conf "$CONF" -i "$MON_ID" --mkfs --monmap "$DIR/monmap" \
    >>"$LOG_DIR/mon.$MON_ID.out" 2>&1 || fail_start "ceph-mon --mkfs failed" "mon.$MON_ID"
  launch "mon.$MON_ID" ceph-mon --conf "$CONF" -i "$MON_ID" -f

  # 2. Manager (PG statistics, `ceph -s`); it needs no data of its own.
  mkdir -p "$DATA_DIR/mgr.$MGR_ID"
  launch "mgr.$MGR_ID" ceph-mgr --conf "$CONF" -i "$MGR_ID" -f
  wait_until "the monitor answers" "mon.$MON_ID" "mon.$MON_ID" ceph_cli 5 mon stat

  # 3. Three OSDs, created, formatted and started in parallel.
  local id jobs=() failed=()
  for id in $(seq 0 $((OSD_COUNT - 1))); do
    create_osd "$id" &
    jobs+=("$!")
  done
  for id in $(seq 0 $((OSD_COUNT - 1))); do
    wait "${jobs[$id]}" || failed+=("$id")
  done
  [ ${#failed[@]} -eq 0 ] || fail_start "could not create osd.${failed[0]}" "osd.${failed[0]}"
  wait_until "$OSD_COUNT OSDs are up" osds "mon.$MON_ID osd.0 osd.1 osd.2" osds_up "$OSD_COUNT"

  # 4. radosgw (it creates its pools on first start), then the S3 user.
  mkdir -p "$DATA_DIR/rgw.a"
  launch "$RGW_NAME" radosgw --conf "$CONF" -n "$RGW_NAME" -f
  wait_until "radosgw answers HTTP on 127.0.0.1:$RGW_PORT" "$RGW_NAME" "$RGW_NAME" rgw_answers
  timeout "$(remaining)" radosgw-admin --conf "$CONF" user create --uid bucketfront --display-name 'bucketfront tests' \
    --access-key "$ACCESS_KEY" --secret-key "$SECRET_KEY" >>"$LOG_DIR/radosgw-admin.out" 2>&1 ||
    fail_start "radosgw-admin user create failed" radosgw-admin
  # A system user (https://docs.ceph.com/en/latest/radosgw/multisite/): it may name the version id a
  # write makes (rgwx-version-id), which an s3-store origin needs to be a replication destination.
  timeout "$(remaining)" radosgw-admin --conf "$CONF" user create --uid bucketfront-system --display-name 'bucketfront replica writes' \
    --system --access-key "$SYSTEM_ACCESS_KEY" --secret-key "$SYSTEM_SECRET_KEY" >>"$LOG_DIR/radosgw-admin.out" 2>&1 ||
    fail_start "radosgw-admin user create --system failed" radosgw-admin
  wait_until "a signed S3 request succeeds" "$RGW_NAME" "$RGW_NAME" rgw_signed_ok

  write_connection_files
  STARTING=0
  trap - EXIT INT TERM
  log "ready in $((SECONDS - STARTED_AT)) s; connection facts in $DIR/cluster.env and $DIR/cluster.json"
  echo "http://127.0.0.1:$RGW_PORT"
}

# With --owner-pid: a small background shell (outside the cgroup, in its own session) polls
# every 2 s; once the owner process is gone while the cluster still runs, it stops the cluster and
# deletes DIR. A normal `stop` removes $DIR/owner.pid, which ends the watchdog.
start_watchdog() {
  local owner="$1"
  echo "$owner" >"$DIR/owner.pid"
  setsid bash "$SELF" _watch "$DIR" "$owner" </dev/null >>"$LOG_DIR/watchdog.out" 2>&1 &
}

do_watch() {
  local owner="$1"
  while [ -f "$DIR/owner.pid" ] && kill -0 "$owner" 2>/dev/null; do sleep 2; done
  if [ -f "$DIR/owner.pid" ]; then
    log "owner process $owner is gone: stopping the cluster in $DIR and deleting it"
    do_stop
    rm -rf "$DIR"
  fi
}

json_string() { printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"; }

write_connection_files() {
  local endpoint="http://127.0.0.1:$RGW_PORT" id
  {
    printf 'CEPH_RGW_ENDPOINT=%q\n' "$endpoint"
    printf 'CEPH_RGW_ACCESS_KEY_ID=%q\n' "$ACCESS_KEY"
    printf 'CEPH_RGW_SECRET_ACCESS_KEY=%q\n' "$SECRET_KEY"
    printf 'CEPH_RGW_SYSTEM_ACCESS_KEY_ID=%q\n' "$SYSTEM_ACCESS_KEY"
    printf 'CEPH_RGW_SYSTEM_SECRET_ACCESS_KEY=%q\n' "$SYSTEM_SECRET_KEY"
    printf 'CEPH_CONF=%q\n' "$CONF"
    printf 'CEPH_DEV_DIR=%q\n' "$DIR"
    printf 'CEPH_DEV_CGROUP=%q\n' "$(cgroup_path)"
    for id in $(seq 0 $((OSD_COUNT - 1))); do printf 'CEPH_OSD_%s_PID_FILE=%q\n' "$id" "$DIR/osd.$id.pid"; done
  } >"$DIR/cluster.env"
  {
    printf '{\n'
    printf '  "endpoint": %s,\n' "$(json_string "$endpoint")"
    printf '  "accessKeyId": %s,\n' "$(json_string "$ACCESS_KEY")"
    printf '  "secretAccessKey": %s,\n' "$(json_string "$SECRET_KEY")"
    printf '  "systemAccessKeyId": %s,\n' "$(json_string "$SYSTEM_ACCESS_KEY")"
    printf '  "systemSecretAccessKey": %s,\n' "$(json_string "$SYSTEM_SECRET_KEY")"
    printf '  "conf": %s,\n' "$(json_string "$CONF")"
    printf '  "dir": %s,\n' "$(json_string "$DIR")"
    printf '  "cgroup": %s,\n' "$(json_string "$(cgroup_path)")"
    printf '  "ports": { "mon": %s, "monV1": %s, "rgw": %s, "messengerMin": %s, "messengerMax": %s },\n' \
      "$MON_PORT" "$MON_V1_PORT" "$RGW_PORT" "$MS_MIN" "$MS_MAX"
    printf '  "osdPidFiles": [%s]\n' "$(for id in $(seq 0 $((OSD_COUNT - 1))); do
      [ "$id" = 0 ] || printf ', '
      json_string "$DIR/osd.$id.pid"
    done)"
    printf '}\n'
  } >"$DIR/cluster.json"
}

# ---------------------------------------------------------------------------------------------
# stop: only the daemons whose pid files are in DIR; SIGTERM, then SIGKILL after 10 s.
# ---------------------------------------------------------------------------------------------

do_stop() {
  local pidfile pid pids=() names=()
  shopt -s nullglob
  for pidfile in "$DIR"/*.pid; do
    if pid="$(pid_of_ours "$pidfile")"; then
      pids+=("$pid")
      names+=("$(basename "$pidfile" .pid)")
    fi
  done
  if [ ${#pids[@]} -gt 0 ]; then
    log "stopping ${names[*]} (pids ${pids[*]})"
    kill -TERM "${pids[@]}" 2>/dev/null || true
    local deadline=$((SECONDS + 10)) alive=("${pids[@]}")
    while [ ${#alive[@]} -gt 0 ] && [ "$SECONDS" -lt "$deadline" ]; do
      sleep 0.2
      alive=()
      for pidfile in "$DIR"/*.pid; do
        pid="$(pid_of_ours "$pidfile")" && alive+=("$pid")
      done
    done
    if [ ${#alive[@]} -gt 0 ]; then
      log "still running after 10 s, sending SIGKILL: pids ${alive[*]}"
      kill -KILL "${alive[@]}" 2>/dev/null || true
      sleep 0.5
    fi
  fi
  rm -f "$DIR"/*.pid
  cgroup_remove
}

# ---------------------------------------------------------------------------------------------
# kill-osd / start-osd
# ---------------------------------------------------------------------------------------------

osd_arg() {
  if ! { [[ "${1:-}" =~ ^[0-9]+$ ]] && [ "$1" -lt "$OSD_COUNT" ]; }; then
    log "expected an OSD number 0-$((OSD_COUNT - 1)), got '${1:-}'"
    exit 2
  fi
  [ -f "$CONF" ] || { log "no cluster in $DIR (no ceph.conf)"; exit 1; }
}

do_kill_osd() {
  local id="$1" pid
  pid="$(pid_of_ours "$DIR/osd.$id.pid")" || { log "osd.$id is not running"; exit 1; }
  kill -KILL "$pid"
  for _ in $(seq 1 50); do
    pid_of_ours "$DIR/osd.$id.pid" >/dev/null || { log "killed osd.$id (pid $pid)"; return 0; }
    sleep 0.1
  done
  log "osd.$id (pid $pid) did not die"
  exit 1
}

do_start_osd() {
  local id="$1"
  if pid_of_ours "$DIR/osd.$id.pid" >/dev/null; then
    log "osd.$id is already running"
    exit 1
  fi
  START_TIMEOUT=60
  STARTED_AT=$SECONDS
  DEADLINE=$((SECONDS + START_TIMEOUT))
  rm -f "$DIR/osd.$id.pid"
  # The cgroup outlives a killed OSD; recreate it if someone removed it.
  local cg
  cg="$(cgroup_path)"
  if [ -n "$cg" ] && [ ! -d "$cg" ]; then cgroup_create; fi
  start_osd_daemon "$id"
  local started=$SECONDS
  while ! osd_is_up "$id"; do
    if ! pid_of_ours "$DIR/osd.$id.pid" >/dev/null && [ $((SECONDS - started)) -ge 3 ]; then
      log "osd.$id exited"
      show_log "osd.$id"
      exit 1
    fi
    if [ "$SECONDS" -ge "$DEADLINE" ]; then
      log "osd.$id is not up after $START_TIMEOUT s"
      show_log "osd.$id"
      exit 1
    fi
    sleep 0.5
  done
  log "osd.$id is up again ($((SECONDS - STARTED_AT)) s)"
}

# ---------------------------------------------------------------------------------------------

RGW_PORT_ARG=""
OWNER_PID=""
case "$command_name" in
  start)
    while [ $# -gt 0 ]; do
      case "$1" in
        --rgw-port) RGW_PORT_ARG="${2:-}"; shift 2 || usage ;;
        --rgw-port=*) RGW_PORT_ARG="${1#*=}"; shift ;;
        --owner-pid) OWNER_PID="${2:-}"; shift 2 || usage ;;
        --owner-pid=*) OWNER_PID="${1#*=}"; shift ;;
        *) usage ;;
      esac
    done
    if [ -n "$OWNER_PID" ] && ! { [[ "$OWNER_PID" =~ ^[0-9]+$ ]] && kill -0 "$OWNER_PID" 2>/dev/null; }; then
      log "--owner-pid $OWNER_PID: no such process"
      exit 2
    fi
    do_start
    ;;
  stop)
    purge=0
    while [ $# -gt 0 ]; do
      case "$1" in
        --purge) purge=1; shift ;;
        *) usage ;;
      esac
    done
    do_stop
    if [ "$purge" = 1 ]; then rm -rf "$DIR"; log "removed $DIR"; fi
    ;;
  status)
    [ -f "$CONF" ] || { log "no cluster in $DIR (no ceph.conf)"; exit 1; }
    ceph_cli 10 -s
    ;;
  kill-osd)
    osd_arg "${1:-}"
    do_kill_osd "$1"
    ;;
  start-osd)
    osd_arg "${1:-}"
    do_start_osd "$1"
    ;;
  _watch) # internal: the --owner-pid watchdog
    do_watch "${1:?owner pid}"
    ;;
  *) usage ;;
esac
