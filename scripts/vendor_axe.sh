#!/usr/bin/env bash
# Refresh the vendored axe-core of the browser tests (tests/browser/vendor/) from the npm registry: `npm pack`
# fetches the published tarball (npm checks it against the registry's integrity hash), and only the minified build,
# its licences and a provenance note are kept. Usage: scripts/vendor_axe.sh [version], default AXE_VERSION or 4.
set -euo pipefail

version="${1:-${AXE_VERSION:-4}}"
dest="$(cd "$(dirname "$0")/.." && pwd)/tests/browser/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

resolved="$(npm view "axe-core@${version}" version --json | tr -d '"[] \n' | tr ',' '\n' | tail -1)"
case "$resolved" in
  4.*) ;;
  *) echo "axe-core@${version} resolves to '${resolved}', not a 4.x release" >&2; exit 1 ;;
esac
integrity="$(npm view "axe-core@${resolved}" dist.integrity)"
(cd "$work" && npm pack --silent "axe-core@${resolved}" >/dev/null && tar xzf "axe-core-${resolved}.tgz")
actual="sha512-$(openssl dgst -sha512 -binary "$work/axe-core-${resolved}.tgz" | base64 -w0)"
if [ "$actual" != "$integrity" ]; then
  echo "integrity mismatch for axe-core@${resolved}: registry ${integrity}, tarball ${actual}" >&2
  exit 1
fi
mkdir -p "$dest"
cp "$work/package/axe.min.js" "$dest/axe.min.js"
cp "$work/package/LICENSE" "$dest/axe-core.LICENSE"
cp "$work/package/LICENSE-3RD-PARTY.txt" "$dest/axe-core.LICENSE-3RD-PARTY.txt"
cat > "$dest/README.md" <<NOTE
# Vendored for the browser tests

- \`axe.min.js\`: axe-core ${resolved} (Deque Systems, MPL-2.0: \`axe-core.LICENSE\`, third-party notices in
  \`axe-core.LICENSE-3RD-PARTY.txt\`), unmodified, from \`npm pack axe-core@${resolved}\`, tarball integrity
  \`${integrity}\`.

Used by \`tests/browser/axe.py\` only; never served by the application. Refresh with \`make vendor-axe\`
(\`AXE_VERSION=4.x.y make vendor-axe\` for a given release).
NOTE
echo "axe-core ${resolved} vendored into ${dest}"
