#!/usr/bin/env bash
# Traces the runs a user waits for (`run` with and without a network, the hook's configure
# and undo, the CNI plugin's ADD and DEL: bench/run.sh --hot-text) and writes the order
# their functions first ran into build/release/hot-text/{mini-runc,netns-hook,
# mini-runc-cni}.ld, then relinks: the release binaries
# then hold their hot path in one piece ahead of .text (CMakeLists.txt, mr_hot_text). The
# scripts are build output, made from the code being built; scripts/bench.sh runs this
# before it measures. Run as root on Debian 12 (the traced runs make namespaces, in a
# throwaway "host" network namespace and a private mount namespace).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "hot-text: run as root" >&2; exit 1; }
dir=build/release
scripts/setup-deps.sh
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$dir" mini-runc netns-hook mini-runc-cni >/dev/null
mkdir -p "$dir/bench" "$dir/hot-text"
g++ -std=c++23 -O2 -Wall -Wextra -Werror -o "$dir/bench/floor" bench/floor.cpp -lmnl
g++ -std=c++23 -O2 -Wall -Wextra -Werror -o "$dir/bench/hot-text" bench/hot_text.cpp
hits=$dir/hot-text/hits
rm -rf "$hits" && mkdir -p "$hits"
unshare --mount --propagation private bench/run.sh --hot-text "$PWD/$hits"
for name in mini-runc netns-hook mini-runc-cni; do
  { echo "/* The functions $name ran in traced runs (scripts/hot-text.sh), first run first,"
    echo "   ahead of the rest of .text (CMakeLists.txt, mr_hot_text). Build output. */"
    echo "SECTIONS"
    echo "{"
    echo "  .text.hot_path :"
    echo "  {"
    awk '!seen[$0]++ { print "    *(" $0 ")" }' "$hits/$name.hits"
    echo "  }"
    echo "}"
    echo "INSERT BEFORE .text;"
  } >"$dir/hot-text/$name.ld"
  echo "hot-text: $dir/hot-text/$name.ld: $(grep -c '^    \*(' "$dir/hot-text/$name.ld") functions"
done
ninja -C "$dir" mini-runc netns-hook mini-runc-cni >/dev/null
