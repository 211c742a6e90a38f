#!/usr/bin/env bash
# Builds the libFuzzer targets of the Fuzz/ package (address sanitizer on) and runs each for a fixed time.
#
#   dev/fuzz.sh [--time SECONDS] [--merge] [TARGET...]
#
# Targets default to all of them; --time (default 60) is per target. Each run starts from the checked-in seeds in
# Tests/Fuzz/corpus/<TARGET>/, read-only, and writes what it discovers to a temporary corpus, so a run never dirties
# the repository; --merge adds the inputs that reach new coverage to the checked-in seeds afterwards. Crashes,
# leaks and timeouts are saved under .build-fuzz/findings/<TARGET>/ and make the script exit 1.
# Fuzz/README.md explains long runs and how to turn a finding into a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."

all_targets=(FuzzReference FuzzTemplate FuzzRegistryAuth FuzzRuleFile FuzzAdmission)
seconds=60
merge=false
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --time) seconds="${2:?--time needs a number of seconds}"; shift 2 ;;
    --time=*) seconds="${1#--time=}"; shift ;;
    --merge) merge=true; shift ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "error: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -eq 0 ] && targets=("${all_targets[@]}")
for target in "${targets[@]}"; do
  [ -d "Tests/Fuzz/corpus/$target" ] || { echo "error: unknown target $target (have: ${all_targets[*]})" >&2; exit 2; }
done
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || { echo "error: --time must be a positive number of seconds" >&2; exit 2; }

dev/install-deps.sh
# A scratch path of its own: sanitized objects must never mix with the normal build in .build/.
scratch=.build-fuzz
# The Swift driver keeps only the last -sanitize= it is given, and SwiftPM emits one per --sanitize in varying
# order, so `--sanitize fuzzer --sanitize address` sometimes compiles without coverage. Hence --sanitize fuzzer
# alone (SwiftPM then leaves libFuzzer's main in place) followed by one explicit list for Swift; C targets
# (libyaml, BoringSSL) get coverage and ASan without libFuzzer's main.
build=(
  swift build --package-path Fuzz --scratch-path "$scratch" -c debug
  --sanitize fuzzer -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address
)
# SwiftPM reuses its build plan (the llbuild manifest, $scratch/debug.yaml) for the root package seen as a
# dependency of Fuzz/: a build after a file is added to or removed from a root target can compile the old file
# list and fail with "cannot find …", and building again does not always re-plan. So on failure drop the manifest
# (compiled objects stay) and build once more; a real compile error fails twice.
for target in "${targets[@]}"; do
  "${build[@]}" --product "$target" || {
    echo "fuzz build of $target failed; planning again in case SwiftPM's plan was stale" >&2
    rm -f "$scratch/debug.yaml"
    "${build[@]}" --product "$target"
  }
done
bin="$("${build[@]}" --show-bin-path)"

findings="$scratch/findings"
work="$(mktemp -d "${TMPDIR:-/tmp}/k8s-image-replacer-fuzz.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Swift's own crash backtracer would run inside the sanitizer and report itself; libFuzzer prints the stack.
export SWIFT_BACKTRACE=enable=no
summary=()
failed=0
for target in "${targets[@]}"; do
  mkdir -p "$work/$target" "$findings/$target"
  options=(
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
    -artifact_prefix="$findings/$target/"
  )
  [ -f "Tests/Fuzz/dictionaries/$target.dict" ] && options+=(-dict="Tests/Fuzz/dictionaries/$target.dict")
  # The async targets run each input in a detached Task, which the runtime frees just after the input returns;
  # libFuzzer's per-input leak check races with that and reports the captured input. LeakSanitizer still checks
  # the whole run at exit, so a real leak still fails it.
  case "$target" in FuzzRuleFile|FuzzAdmission) options+=(-detect_leaks=0) ;; esac
  log="$findings/$target/last-run.log"
  echo "== $target: ${seconds}s (log: $log)"
  status=0
  # The first corpus directory receives new inputs; the checked-in seeds are only read.
  "$bin/$target" "${options[@]}" "$work/$target" "Tests/Fuzz/corpus/$target" >"$log" 2>&1 || status=$?
  done_line="$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)"
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  speed="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
  cov="$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$done_line")"
  ft="$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$done_line")"
  corpus="$(sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p' <<<"$done_line")"
  if [ "$status" -ne 0 ]; then
    failed=1
    artifact="$(grep -oE "Test unit written to [^ ]+" "$log" | tail -1 | sed 's/Test unit written to //')"
    summary+=("$(printf '%-18s FAILED (exit %s) %s' "$target" "$status" "${artifact:-see $log}")")
    grep -E '^(==[0-9]+==ERROR|SUMMARY|Fatal error|.*property violated|.*Fatal error)' "$log" | head -5 >&2 || true
  else
    summary+=("$(printf '%-18s ok  %8s runs %6s exec/s  cov %5s  ft %6s  corpus %s' \
      "$target" "${execs:-?}" "${speed:-?}" "${cov:-?}" "${ft:-?}" "${corpus:-?}")")
    if $merge; then
      "$bin/$target" -merge=1 "Tests/Fuzz/corpus/$target" "$work/$target" >>"$log" 2>&1
      echo "   merged new coverage into Tests/Fuzz/corpus/$target"
    fi
  fi
done

echo
echo "fuzz summary (${seconds}s per target; findings in $findings/):"
printf '  %s\n' "${summary[@]}"
exit "$failed"
