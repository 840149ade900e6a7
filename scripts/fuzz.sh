#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) in build-fuzz/ and runs each for a bounded time.
#   scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 60)
# Installs the clang it needs itself (idempotent), so the regular build stays on g++.
# Crashes are written to build-fuzz/artifacts/; the script fails if any target crashed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"

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
ninja -C build-fuzz -j2 network_spec_fuzzer config_fuzzer

# Seeds: the example specs, and the config.json seeds kept in fuzz/corpus/.
mkdir -p build-fuzz/corpus/network_spec build-fuzz/corpus/config build-fuzz/artifacts
cp examples/network/*.json build-fuzz/corpus/network_spec/
cp fuzz/corpus/config/*.json build-fuzz/corpus/config/

status=0
for target in network_spec config; do
  echo "fuzz: ${target}_fuzzer for ${seconds}s"
  if ! build-fuzz/fuzz/${target}_fuzzer build-fuzz/corpus/${target} \
      -dict=fuzz/json.dict -max_total_time="${seconds}" -max_len=16384 -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix=build-fuzz/artifacts/${target}- 2>build-fuzz/${target}.log; then
    echo "fuzz: ${target}_fuzzer FAILED, see build-fuzz/${target}.log and build-fuzz/artifacts/" >&2
    status=1
  fi
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)' build-fuzz/${target}.log || true
  echo "fuzz: corpus $(ls build-fuzz/corpus/${target} | wc -l) inputs"
done
exit $status
