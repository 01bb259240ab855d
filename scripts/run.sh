#!/usr/bin/env bash
# Start the monitor for development: redis (if none answers), migrations, fixtures, then the
# web server, a celery worker and celery beat in the foreground. Ctrl-C stops all of them.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}

if [ ! -f .env ] && [ -z "${SECRET_KEY:-}" ]; then
  echo "Writing .env for development (DEBUG=true, a random SECRET_KEY); edit it to configure."
  printf 'DEBUG=true\nSECRET_KEY=%s\n' "$($PY -c 'import secrets; print(secrets.token_urlsafe(50))')" > .env
fi
# Each checkout gets its own redis (a port derived from its directory, written to .env once), so
# two checkouts never share a broker and take each other's tasks.
if [ -z "${REDIS_URL:-}" ] && [ -f .env ] && ! grep -q '^REDIS_URL=' .env; then
  port=$((6400 + $(printf '%s' "$PWD" | cksum | cut -d' ' -f1) % 1000))
  echo "Writing REDIS_URL=redis://127.0.0.1:$port/0 to .env (this checkout's own redis)."
  printf '# This checkout'"'"'s own redis (scripts/run.sh starts it if none answers there).\nREDIS_URL=redis://127.0.0.1:%s/0\n' "$port" >> .env
fi
# .env fills in what the environment does not set (the environment wins, as in the settings).
if [ -f .env ]; then saved=$(export -p | grep -v '^declare -[a-z]*r'); set -a; . ./.env; set +a; eval "$saved"; fi
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
# Links in e-mails follow the address actually served (unless .env sets SITE_URL).
SITE_URL=${SITE_URL:-http://$HOST:$PORT}
export REDIS_URL SITE_URL

pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo "Stopping the monitor..."
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  # A celery worker first finishes the task it is running (warm shutdown). Pre-building the pages
  # takes minutes at a million records, so after 20 s whatever still runs is stopped at once
  # (a lost pre-build is simply run again by the next start).
  for _ in $(seq 1 200); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      pkill -KILL -P "$pid" 2>/dev/null || true  # the worker's pool processes
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

redis_host_port=$($PY -c "from urllib.parse import urlparse as u; r=u('$REDIS_URL'); print(r.hostname or '127.0.0.1', r.port or 6379)")
read -r rhost rport <<<"$redis_host_port"
if ! redis-cli -h "$rhost" -p "$rport" ping >/dev/null 2>&1; then
  mkdir -p var/redis
  echo "Starting redis-server on $rhost:$rport"
  redis-server --bind "$rhost" --port "$rport" --dir var/redis --save "" --appendonly no >var/redis/redis.log 2>&1 &
  pids+=($!)
  for _ in $(seq 1 50); do redis-cli -h "$rhost" -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done
fi

$PY manage.py migrate --noinput
$PY manage.py load_framework
$PY manage.py setup_periodic_tasks
# A small demo set on an empty database (development only: seed_demo refuses without DEBUG).
$PY manage.py seed_demo --if-empty --records "${DEMO_RECORDS:-3000}" --organisations 2000

.venv/bin/celery -A monitor worker --loglevel=INFO --concurrency=2 &
pids+=($!)
.venv/bin/celery -A monitor beat --loglevel=INFO &
pids+=($!)
$PY manage.py runserver "$HOST:$PORT" &
pids+=($!)
echo
echo "The GCM Implementation Monitor runs at http://$HOST:$PORT/  (Ctrl-C stops web, worker and beat)"
echo "Another address: HOST=0.0.0.0 PORT=8080 make run. Sign-in help is printed above (How to sign in)."
echo
wait -n "${pids[@]}"
