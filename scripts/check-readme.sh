#!/usr/bin/env bash
# Checks that the command lines in the ```sh blocks of the given Markdown files
# (the README by default; scripts/test.sh also gives docs/*.md) still work as
# written, short of running servers or load: each `scripts/...` exists, is
# executable and parses (bash -n); each `cargo run -p PKG -- ARGS` and
# `target/*/cachescope ARGS` accepts its arguments (run again with `--help`
# appended: clap refuses an unknown binary, flag or bad value before it prints
# help); each `cargo leptos SUBCOMMAND ARGS` accepts its flags the same way.
# Run by scripts/test.sh before `cargo leptos build`: the plain `cargo build`
# here makes a server binary that does not know the bundle's name, which the
# site build then replaces.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools.sh"
cd "$ROOT"
failed=0
checked=0
fail() { echo "README command fails: $1" >&2; echo "  $2" >&2; failed=1; }

while IFS= read -r line; do
  command="${line%%#*}"                      # drop the comment
  command="$(echo "$command" | sed -E 's/[[:space:]]+$//')"
  [ -z "$command" ] && continue
  read -r -a words <<<"$command"
  # Leading VAR=value assignments are kept as the environment.
  env_vars=()
  while [[ "${words[0]:-}" =~ ^[A-Z_]+= ]]; do env_vars+=("${words[0]}"); words=("${words[@]:1}"); done
  [ ${#words[@]} -eq 0 ] && continue
  checked=$((checked + 1))
  case "${words[0]}" in
    scripts/*)
      [ -x "${words[0]}" ] && bash -n "${words[0]}" || fail "$command" "${words[0]} is missing, not executable, or does not parse"
      ;;
    cargo)
      if [ "${words[1]}" = "leptos" ]; then
        out="$(env "${env_vars[@]}" cargo "${words[@]:1}" --help 2>&1)" || fail "$command" "$out"
      elif [ "${words[1]}" = "run" ]; then
        # Same command, debug profile (already built by the tests), --help appended.
        args=()
        for w in "${words[@]:2}"; do [ "$w" = "--release" ] || args+=("$w"); done
        out="$(env "${env_vars[@]}" cargo run -q "${args[@]}" --help 2>&1)" || fail "$command" "$out"
      else
        out="$(cargo "${words[@]:1}" --help 2>&1)" || fail "$command" "$out"
      fi
      ;;
    target/*/cachescope)
      cargo build -q -p cachescope
      out="$(env "${env_vars[@]}" target/debug/cachescope "${words[@]:1}" --help 2>&1)" || fail "$command" "$out"
      ;;
    *)
      checked=$((checked - 1))
      echo "README check: not checked (not a command this script knows): $command" >&2
      ;;
  esac
done < <(awk '/^```sh$/ {on=1; next} /^```/ {on=0} on' "${@:-README.md}")

[ "$failed" = 0 ] || exit 1
say "README: $checked command lines accepted"
