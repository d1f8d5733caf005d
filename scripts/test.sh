#!/usr/bin/env bash
# One command to run every check and test: formatting, clippy for the server
# and for the wasm build, the Rust tests (they start their own redis-server
# processes on free ports, and PostgreSQL clusters of their own), then the browser tests in end2end/ (Playwright
# driving Debian's Chromium against the real server and its own Redis),
# fault injection against a Sentinel topology in network namespaces
# (scripts/chaos.sh, as root), and Schemathesis fuzzing the API from its
# generated OpenAPI document.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools.sh"
cd "$ROOT"
ensure_redis
ensure_postgres
ensure_build_tools
ensure_chromium
ensure_e2e_deps
ensure_python_tools

say "cargo fmt --check"
cargo fmt --all -- --check
say "clippy (server, ssr)"
cargo clippy --workspace --all-targets -- -D warnings
say "clippy (browser, hydrate, wasm32)"
cargo clippy -p app --all-targets --features hydrate --target wasm32-unknown-unknown -- -D warnings
say "clippy (browser, unsplit: what plain \`cargo leptos build\` compiles)"
cargo clippy -p app --all-targets --features hydrate --target wasm32-unknown-unknown -- -D warnings --cfg cachescope_unsplit
say "Rust tests"
cargo test --workspace
# Before the site build: it runs plain `cargo build`s, and the server binary
# must be the one cargo-leptos builds (it bakes in the bundle's name).
say "README command lines"
scripts/check-readme.sh README.md docs/*.md
say "building the site for the browser tests"
cargo leptos build --split
say "fault injection (scripts/chaos.sh --ci: mixed faults in network namespaces, each read mode)"
scripts/chaos.sh --ci
say "browser tests"
(cd end2end && npx playwright test)
# What plain `cargo leptos build` / `watch` make (no --split), in a target
# directory of its own so neither build undoes the other.
say "browser test of the unsplit bundle (plain cargo leptos build)"
CARGO_TARGET_DIR=target/unsplit LEPTOS_SITE_ROOT=target/unsplit/site cargo leptos build
(cd end2end && CACHESCOPE_BUNDLE=unsplit CACHESCOPE_BIN="$ROOT/target/unsplit/debug/cachescope" \
  LEPTOS_SITE_ROOT="$ROOT/target/unsplit/site" npx playwright test unsplit.spec.ts)
say "API fuzzing from the OpenAPI document (Schemathesis)"
scripts/fuzz-api.sh
