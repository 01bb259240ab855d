#!/usr/bin/env bash
# Builds reporting/static/vendor/plotly.min.js: plotly.js with only the trace types the monitor
# draws (frontend/plotly-entry.js), from the versions pinned in frontend/package-lock.json.
# Needs node and npm (the npm registry); the output is committed, so neither the site nor CI
# needs node. Rebuild after changing the entry or the pinned versions, then commit the file.
set -euo pipefail
cd "$(dirname "$0")/../frontend"
command -v npm >/dev/null || { echo "npm is needed: apt-get install nodejs npm" >&2; exit 1; }
npm ci --no-audit --no-fund --ignore-scripts --silent
npm run --silent build
out=../reporting/static/vendor/plotly.min.js
echo "$(wc -c <"$out") bytes, $(gzip -9c "$out" | wc -c) gzipped: $(sha256sum "$out" | cut -d' ' -f1)"
