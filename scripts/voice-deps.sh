#!/usr/bin/env bash
# What the voice gateway and its tests need from Debian: sipp (package sip-tester) and baresip as
# SIP peers, espeak-ng + sox for prompts, kamailio as the dispatcher in front of several media
# workers. Idempotent: installs only what is missing. The Python side (pjsua2-python) comes
# from pyproject.toml.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
pkgs=(sip-tester baresip espeak-ng sox libsox-fmt-all kamailio)
need=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
