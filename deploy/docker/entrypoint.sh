#!/bin/sh
# The image's entrypoint. `SERVICE api|worker` runs that process of the service exactly as the
# launcher does (tools/launcher/service_procs.py), listening on all interfaces of the container;
# anything else is run as given.
set -eu

usage() {
  echo "usage: hallmark-entrypoint SERVICE api|worker  (SERVICE: orders inventory payments shipping tickets)" >&2
  echo "       hallmark-entrypoint COMMAND [ARG...]" >&2
  exit 64
}

default_port() {
  case "$1" in
    orders) echo 8001 ;;
    inventory) echo 8002 ;;
    payments) echo 8003 ;;
    shipping) echo 8004 ;;
    tickets) echo 8005 ;;
    *) return 1 ;;
  esac
}

[ "$#" -gt 0 ] || usage
if port=$(default_port "$1"); then
  [ "$#" -eq 2 ] || usage
  service=$1
  role=$2
  variable="$(echo "$service" | tr '[:lower:]' '[:upper:]')_HTTP_PORT"
  port=$(printenv "$variable" || echo "$port")
  case "$role" in
    api) exec python -m uvicorn --factory "services.$service.api:create_app" --host 0.0.0.0 --port "$port" --no-access-log --loop uvloop --http httptools ;;
    worker) exec python -m "services.$service.worker" worker -l info ;;
    *) usage ;;
  esac
fi
exec "$@"
