#!/usr/bin/env bash
# Builds mini-runc (build/release) and runs the demo: the 2006 netns RFC's walkthrough in
# a throwaway "host" network namespace (this machine's own interfaces are never touched).
# Run as root on Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh build/release
exec build/release/examples/netns-demo
