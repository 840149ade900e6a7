#!/bin/sh
# The filler of the published-ports cases: a stand-in container (bench/container-stub.sh)
# joined to a managed network by netns-hook with the given spec (in the bundle), and
# removed again while alive, so that its veth, ports and rules go at once.
#   port-filler.sh up PREFIX SPEC
#   port-filler.sh down PREFIX
# HOOK, NETS, W and BUNDLE come from bench/run.sh.
set -eu
here=$(dirname "$0")
case $1 in
up)
  /bin/sh "$here/container-stub.sh" start "$2"
  "$HOOK" --root "$W/hook" --network-dir "$NETS" --network "$3" --stage configure <"$2.json" >/dev/null
  ;;
down)
  "$HOOK" --root "$W/hook" --network-dir "$NETS" --stage undo <"$2.json" >/dev/null
  /bin/sh "$here/container-stub.sh" stop "$2"
  rm -f "$2.json"
  ;;
esac
