#!/usr/bin/env bash
# Builds everything with AddressSanitizer and UndefinedBehaviorSanitizer (build/sanitize,
# with fault injection, unoptimised to keep the build short) and runs the whole test
# suite against it: the tests, mini-runc and netns-hook are all instrumented, so a report
# in a runtime the tests drive fails the test. Extra arguments go to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh build/sanitize -DMR_FAULT_INJECTION=ON -DMR_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
# A report ends the process with status 1 (ASan's default; UBSan through
# -fno-sanitize-recover); the reports go to stderr, which ctest shows for failures.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd build/sanitize
exec ctest --output-on-failure -j"$(nproc)" "$@"
