#!/usr/bin/env bash
# Install the Debian packages a target needs, only when they are missing.
#   redis     redis-server (celery broker, result backend)
#   test      Chromium for browser tests, poppler-utils (pdftoppm), WeasyPrint's Pango, Noto fonts, npm (axe-core)
#   gettext   GNU gettext (makemessages, compilemessages, the translation gate)
#   fonts     Noto fonts, so PDF reports shape Arabic and show Chinese (WeasyPrint embeds them)
#   postgres  a PostgreSQL server
#   venv      Debian's python3-venv, when the interpreter lacks ensurepip
set -euo pipefail
need=()
# Read once into variables: `fc-list | grep -q` under pipefail fails when grep stops at the first
# match and fc-list is killed by the closed pipe, so installed fonts were installed again each run.
fonts=$(fc-list 2>/dev/null || true)
libraries=$(ldconfig -p 2>/dev/null || true)
has_font() { grep -qi "$1" <<<"$fonts"; }
has_library() { grep -q "$1" <<<"$libraries"; }
for what in "$@"; do
  case "$what" in
    redis) command -v redis-server >/dev/null || need+=(redis-server) ;;
    test)
      [ -x /usr/bin/chromium ] || need+=(chromium)
      command -v pdftoppm >/dev/null || need+=(poppler-utils)
      has_library libpango-1.0 || need+=(libpango-1.0-0 libpangoft2-1.0-0)
      has_font dejavu || need+=(fonts-dejavu-core)
      command -v npm >/dev/null || need+=(npm)
      ;&
    fonts)
      # WeasyPrint subsets the PDF's fonts with HarfBuzz when it is there (fontTools otherwise, slower).
      has_library libharfbuzz-subset || need+=(libharfbuzz-subset0)
      has_font "Noto Sans Arabic" || need+=(fonts-noto-core)
      has_font "Noto Sans CJK" || need+=(fonts-noto-cjk)
      ;;
    gettext) command -v msgfmt >/dev/null && command -v xgettext >/dev/null || need+=(gettext) ;;
    venv) need+=(python3-venv) ;;
    postgres) command -v pg_ctlcluster >/dev/null || need+=(postgresql) ;;
    *) echo "ensure-system: unknown component $what" >&2; exit 2 ;;
  esac
done
[ ${#need[@]} -eq 0 ] && exit 0
echo "Installing missing system packages: ${need[*]}"
if ! command -v apt-get >/dev/null; then
  echo "apt-get is not available: please install ${need[*]} with your system's package manager." >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "Run as root, or install sudo, to install: ${need[*]}" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || { echo "apt-get update failed: check the network or install ${need[*]} by hand." >&2; exit 1; }
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
  || { echo "Could not install ${need[*]}: install them by hand and run again." >&2; exit 1; }
