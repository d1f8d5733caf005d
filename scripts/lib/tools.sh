# shellcheck shell=bash
# Installs what cachescope needs, only when it is missing, so a second run is
# fast. Sourced by scripts/run.sh and scripts/test.sh; every step is idempotent.
# Works on a fresh Debian machine with Rust (rustup) and Node.js, as root or
# with sudo; everything comes from the crates, npm and Debian registries.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# Tools fetched from npm live outside the checkout so fresh clones reuse them.
TOOLS_DIR="${CACHESCOPE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cachescope-tools}"
CARGO_LEPTOS_VERSION="0.3.10"
BINARYEN_VERSION="132.0.0"
export PATH="$HOME/.cargo/bin:$TOOLS_DIR/node_modules/.bin:$PATH"

# shellcheck source=scripts/lib/common.sh
source "$ROOT/scripts/lib/common.sh"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

APT_UPDATED=""
apt_install() {
  if [ -z "$APT_UPDATED" ]; then
    as_root apt-get update -qq
    APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_wasm_target() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

ensure_cargo_leptos() {
  if ! cargo leptos --version >/dev/null 2>&1; then
    say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 13 minutes, once)"
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
  fi
}

# cargo-leptos calls the wasm-bindgen CLI, which must match the crate in Cargo.lock.
ensure_wasm_bindgen() {
  local want
  want="$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/[^0-9.]/, ""); print; exit}' "$ROOT/Cargo.lock")"
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want" ]; then
    say "installing wasm-bindgen-cli $want (about 2 minutes, once)"
    # Not --locked: its lock file names a crate the registry no longer has.
    cargo install wasm-bindgen-cli --version "$want" --force
  fi
}

# Release builds run wasm-opt; the npm package binaryen ships one.
ensure_wasm_opt() {
  if [ "$(wasm-opt --version 2>/dev/null | awk '{print $3}')" != "${BINARYEN_VERSION%%.*}" ]; then
    say "installing wasm-opt (npm binaryen@$BINARYEN_VERSION) under $TOOLS_DIR"
    mkdir -p "$TOOLS_DIR"
    npm install --prefix "$TOOLS_DIR" --no-save --no-audit --no-fund "binaryen@$BINARYEN_VERSION" >/dev/null
  fi
}

# The release site (server and split wasm bundle) the benchmarks measure:
# quiet, unless it fails (then built again with its output shown).
build_release_site() {
  ensure_build_tools
  ensure_wasm_opt
  say "building (release)"
  cargo leptos build --release --split >/dev/null 2>&1 || cargo leptos build --release --split
}

ensure_redis() {
  if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    say "installing redis-server"
    apt_install redis-server
  fi
  # The TLS test makes its certificates with openssl.
  if ! command -v openssl >/dev/null; then
    say "installing openssl"
    apt_install openssl
  fi
}

# PostgreSQL's server binaries (initdb, postgres, pg_ctl, psql) from Debian.
# Installing the package may start Debian's own cluster on 5432; cachescope
# never uses it (scripts/pg-up.sh and the tests run clusters of their own).
ensure_postgres() {
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    say "installing PostgreSQL (Debian's postgresql)"
    apt_install postgresql
  fi
}

# The newest installed PostgreSQL's bin directory.
pg_bin() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$dir" ] || { echo "PostgreSQL is not installed" >&2; return 1; }
  echo "$dir"
}

ensure_chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    say "installing Debian's chromium for the browser tests"
    apt_install chromium
  fi
}

# Playwright's test runner, without its browser download (we use Debian's).
ensure_e2e_deps() {
  # npm ci again when the lock file changed since the last install.
  if [ ! -d "$ROOT/end2end/node_modules/@playwright/test" ] \
     || [ "$ROOT/end2end/package-lock.json" -nt "$ROOT/end2end/node_modules/.package-lock.json" ]; then
    say "installing the browser-test dependencies (npm ci)"
    (cd "$ROOT/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund >/dev/null)
  fi
}

# The Prometheus project's Python client: its OpenMetrics parser checks
# /metrics in the tests.
# Schemathesis fuzzes the API from its OpenAPI document.
ensure_python_tools() {
  local missing=()
  python3 -c 'import prometheus_client' >/dev/null 2>&1 || missing+=(prometheus_client)
  command -v schemathesis >/dev/null 2>&1 || missing+=(schemathesis)
  if [ "${#missing[@]}" -gt 0 ]; then
    say "installing ${missing[*]} (PyPI) for the tests"
    python3 -m pip install --quiet "${missing[@]}" \
      || python3 -m pip install --quiet --break-system-packages "${missing[@]}"
  fi
}

# Everything `cargo leptos build` needs.
# CPU a process has used, in clock ticks (`getconf CLK_TCK`): utime + stime,
# with what its reaped children used (cutime + cstime); 0 once it is gone.
proc_ticks() { awk '{print $14 + $15 + $16 + $17}' "/proc/$1/stat" 2>/dev/null || echo 0; }

ensure_build_tools() {
  ensure_wasm_target
  ensure_cargo_leptos
  ensure_wasm_bindgen
}
