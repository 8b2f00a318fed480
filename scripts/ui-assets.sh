#!/usr/bin/env bash
# Fetch the browser libraries of the web UI from the npm registry and copy their dist files into
# src/hotline/web/ui/static/vendor/ (gitignored). No build step: the files are served as they are.
# Versions are pinned in src/hotline/web/ui/package.json. Idempotent; skips work when up to date.
set -euo pipefail
cd "$(dirname "$0")/../src/hotline/web/ui"
vendor=static/vendor
stamp="$vendor/.package.json"
if [ -f "$stamp" ] && cmp -s package.json "$stamp" \
    && [ -f "$vendor/alpine.min.js" ] && [ -f "$vendor/chart.umd.min.js" ] \
    && [ -f "$vendor/axe.min.js" ] && [ -f "$vendor/sipjs/index.js" ]; then
  exit 0
fi
command -v npm >/dev/null || { echo "ui-assets: npm is required (apt-get install npm)" >&2; exit 1; }
npm install --no-audit --no-fund --no-package-lock --loglevel=error
mkdir -p "$vendor"
cp node_modules/alpinejs/dist/cdn.min.js "$vendor/alpine.min.js"
cp node_modules/chart.js/dist/chart.umd.min.js "$vendor/chart.umd.min.js"
# axe-core: the accessibility rules the browser tests run in each page (tests/e2e/test_a11y.py)
cp node_modules/axe-core/axe.min.js "$vendor/axe.min.js"
cp node_modules/axe-core/LICENSE "$vendor/axe.LICENSE" 2>/dev/null || true
# SIP.js: the desk's softphone. Its npm package is plain ES modules with no dependencies, so the
# browser imports lib/ as it is (only the .js files; the .d.ts typings are not served).
rm -rf "$vendor/sipjs"
(cd node_modules/sip.js/lib && find . -name '*.js' -exec install -D -m 644 {} "../../../$vendor/sipjs/{}" \;)
cp node_modules/sip.js/LICENSE.md "$vendor/sipjs.LICENSE.md" 2>/dev/null || true
cp node_modules/alpinejs/LICENSE.md "$vendor/alpine.LICENSE.md" 2>/dev/null || true
cp node_modules/chart.js/LICENSE.md "$vendor/chart.LICENSE.md" 2>/dev/null || true
cp package.json "$stamp"
echo "ui-assets: vendor files in src/hotline/web/ui/$vendor"
