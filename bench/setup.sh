#!/usr/bin/env bash
# Installs what the benchmark needs on a fresh Debian machine (run as root), idempotent:
#   apt: nginx, varnish, wrk, curl (and awscli when no `aws` is on PATH)
#   npm: bench/package.json (s3rver 3.7.1) into bench/node_modules, and the workspace's deps
# nginx and varnish are only used as our own foreground instances on loopback ports:
# their system services are stopped and disabled here.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v nginx >/dev/null || need+=(nginx)
command -v varnishd >/dev/null || need+=(varnish)
command -v wrk >/dev/null || need+=(wrk)
command -v curl >/dev/null || need+=(curl)
command -v aws >/dev/null || need+=(awscli)
if ((${#need[@]})); then
  echo "[setup] apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}"
fi

# Never leave nginx / varnish running as system services.
for svc in nginx varnish varnishncsa; do
  if command -v systemctl >/dev/null && systemctl list-unit-files "$svc.service" >/dev/null 2>&1; then
    systemctl stop "$svc" >/dev/null 2>&1 || true
    systemctl disable "$svc" >/dev/null 2>&1 || true
  fi
  if [ -x "/etc/init.d/$svc" ]; then
    "/etc/init.d/$svc" stop >/dev/null 2>&1 || true
    command -v update-rc.d >/dev/null && update-rc.d "$svc" disable >/dev/null 2>&1 || true
  fi
done
# A service started by the package's postinst without an init system: stop it by its pid file.
for pidf in /run/nginx.pid /run/varnishd.pid /var/run/nginx.pid; do
  [ -s "$pidf" ] && kill "$(cat "$pidf")" 2>/dev/null || true
done

if [ ! -d node_modules/@aws-sdk/client-s3 ]; then
  echo "[setup] npm install (workspace)"
  npm install --no-audit --no-fund
fi
if [ ! -f bench/node_modules/s3rver/package.json ]; then
  echo "[setup] npm install --prefix bench (s3rver)"
  if command -v flock >/dev/null; then flock /tmp/npm.lock npm install --prefix bench --no-audit --no-fund
  else npm install --prefix bench --no-audit --no-fund; fi
fi
echo "[setup] ok: $(nginx -v 2>&1), $(varnishd -V 2>&1 | head -1), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2), $(aws --version 2>&1)"
