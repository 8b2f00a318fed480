#!/usr/bin/env bash
# Every Debian package hotline needs beyond python3 and make, checked in one place so that
# `make test` and `make demo` work on a fresh machine (the Makefile runs this before creating
# the venv). Idempotent: it looks each package up first (by the command or file the project
# actually uses, so a Node.js from another source counts as npm) and calls apt-get only when
# something is missing AND we are root. Otherwise it names the missing packages and exits 1 —
# a half-equipped machine must not pass `make test` by skipping what it cannot run.
#
#   bash scripts/system-deps.sh           # check, install what is missing (root), else fail
#   bash scripts/system-deps.sh --check   # only check; exit 1 and list what is missing
#   HOTLINE_SYSTEM_DEPS=warn make test    # a developer without root: warn instead of failing
#                                         # (the tests then skip loudly what needs the tools;
#                                         # under CI=true they fail instead)
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
PATH="$PATH:/usr/sbin:/sbin"  # kamailio lives in /usr/sbin, often not on a user's PATH

has() { command -v "$1" >/dev/null 2>&1; }
pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

mode=${1-install}
need=()
lines=()
check() {  # check PACKAGE WHY TEST... : remember PACKAGE when TEST fails
  local p=$1 why=$2
  shift 2
  if ! "$@"; then
    need+=("$p")
    lines+=("$(printf '  %-18s %s' "$p" "$why")")
  fi
}
venv_ok() { python3 -c 'import venv, ensurepip' 2>/dev/null; }
postgres_server() { compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; }
pcaps() { has sipp && [ -d /usr/share/sip-tester ]; }

check python3-venv      "the project's .venv"                       venv_ok
check postgresql        "the PostgreSQL half of the tests"          postgres_server
check postgresql-client "scripts/ensure-services.sh (psql)"         has psql
check chromium          "browser tests (Playwright drives it)"      has chromium
check chromium-driver   "browser tests (chromedriver)"              has chromedriver
check fonts-noto-cjk    "Chinese text in the UI and plots"          pkg fonts-noto-cjk
check npm               "scripts/ui-assets.sh (Alpine.js, Chart.js)" has npm
check sip-tester        "sipp callers and their RTP pcaps"          pcaps
check baresip           "the agent's SIP phone in the voice tests"  has baresip
check espeak-ng         "IVR prompts"                               has espeak-ng
check sox               "IVR prompts, recordings"                   has sox
check libsox-fmt-all    "sox formats"                               pkg libsox-fmt-all
check kamailio          "SIP dispatcher in front of media workers"  has kamailio
kam_mod() { [ -f "/usr/lib/x86_64-linux-gnu/kamailio/modules/$1.so" ] || compgen -G "/usr/lib/*/kamailio/modules/$1.so" >/dev/null; }
check kamailio-tls-modules       "TLS for the softphone's secure WebSocket" kam_mod tls
check kamailio-websocket-modules "SIP over WebSocket (browser softphone)"   kam_mod websocket
# rtpengine-daemon, not the `rtpengine` metapackage: that one pulls the kernel module (dkms,
# kernel headers); the softphone uses rtpengine's userspace forwarding only.
check rtpengine-daemon  "DTLS-SRTP/ICE for the browser softphone"   has rtpengine

if [ ${#need[@]} -eq 0 ]; then
  echo "system-deps: every Debian package hotline needs is present"
  exit 0
fi
echo "system-deps: missing Debian packages:" >&2
printf '%s\n' "${lines[@]}" >&2

if [ "$mode" != "--check" ] && [ "$(id -u)" -eq 0 ] && has apt-get; then
  echo "system-deps: apt-get install ${need[*]}" >&2
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}"
  exec bash "$0" --check  # prove it: everything must now be found
fi

echo "system-deps: install them as root:  sudo apt-get install -y ${need[*]}" >&2
echo "             (or run: sudo bash scripts/system-deps.sh)" >&2
if [ "${HOTLINE_SYSTEM_DEPS:-}" = "warn" ] && [ "${CI:-}" != "true" ]; then
  echo "system-deps: HOTLINE_SYSTEM_DEPS=warn: going on; tests needing them will be skipped" >&2
  exit 0
fi
exit 1
