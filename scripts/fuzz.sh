#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, all with ASan and UBSan) in build-fuzz/ and runs
# each: the network spec, config.json, the OCI state netns-hook reads on stdin, and the
# undo journal read back after a crash.
#   scripts/fuzz.sh [SECONDS_PER_TARGET]   a campaign, default 60 s per target; the corpus
#                                          in build-fuzz/corpus/ grows from run to run
#   scripts/fuzz.sh --ci                   CI (.ci/run): each target replays its seeds, then
#                                          20000 mutations from a fixed random seed,
#                                          starting from the seeds alone; about 40 s of
#                                          fuzzing in all, after the build
# Installs the clang it needs itself (idempotent), so the regular build stays on g++.
# Crashes are written to build-fuzz/artifacts/; the script fails if any target crashed.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = --ci ]; then
  corpus=build-fuzz/corpus-ci
  rm -rf "$corpus"
  limit=(-runs=20000 -seed=1)
else
  corpus=build-fuzz/corpus
  limit=(-max_total_time="${1:-60}")
fi
targets=(network_spec config state journal)

# clang 16: libFuzzer lives in libclang-rt-16-dev. clang 14 cannot compile libstdc++
# 12's <expected> at all (no P0848 conditionally trivial destructors).
packages=(clang-16 libclang-rt-16-dev)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "fuzz: missing packages (run as root to install): ${missing[*]}" >&2
    exit 1
  fi
  echo "fuzz: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
fi

# libstdc++ 12 offers std::expected only when __cpp_concepts >= 202002L. Clang 16
# implements what <expected> needs but still announces 201907L, so the macro is raised
# for this build only.
cmake -S . -B build-fuzz -G Ninja -DMR_FUZZ=ON -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++-16 \
  -DCMAKE_CXX_FLAGS="-U__cpp_concepts -D__cpp_concepts=202002L" >/dev/null
ninja -C build-fuzz -j2 "${targets[@]/%/_fuzzer}"

# Seeds: the example specs and config.json, and the seeds kept in fuzz/corpus/.
mkdir -p build-fuzz/artifacts "${targets[@]/#/$corpus/}"
cp examples/network/*.json $corpus/network_spec/
cp examples/runc/network.json $corpus/network_spec/runc-example.json
cp examples/runc/config.json $corpus/config/runc-example.json
for target in config state journal; do cp fuzz/corpus/$target/* $corpus/$target/; done

status=0
for target in "${targets[@]}"; do
  dict=fuzz/json.dict
  [ $target = journal ] && dict=fuzz/journal.dict
  echo "fuzz: ${target}_fuzzer ${limit[*]}"
  if ! build-fuzz/fuzz/${target}_fuzzer $corpus/${target} \
      -dict=$dict "${limit[@]}" -max_len=16384 -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix=build-fuzz/artifacts/${target}- 2>build-fuzz/${target}.log; then
    echo "fuzz: ${target}_fuzzer FAILED, see build-fuzz/${target}.log and build-fuzz/artifacts/" >&2
    status=1
  fi
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)' build-fuzz/${target}.log || true
  echo "fuzz: corpus $(ls $corpus/${target} | wc -l) inputs"
done
exit $status
