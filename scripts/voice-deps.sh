#!/usr/bin/env bash
# Kept for old instructions (error messages, notes) that name it: every Debian package,
# the voice ones included, is now checked and installed by scripts/system-deps.sh.
exec bash "$(dirname "$0")/system-deps.sh" "$@"
