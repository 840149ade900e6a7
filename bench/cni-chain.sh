#!/bin/sh
# Runs a CNI conflist's plugins by hand, as libcni does: ADD in order, each plugin given
# its own config with the list's name and cniVersion and, from the second on, the previous
# plugin's result as "prevResult"; DEL in reverse order, each given the chain's cached ADD
# result as "prevResult" (CNI spec 1.0, "Deleting a network attachment").
#   cni-chain.sh ADD|DEL CHAIN CACHE
# CHAIN (made by bench/run.sh with jq, untimed): one line per plugin, "TYPE<TAB>CONFIG"
# where CONFIG is the plugin's JSON object without its closing brace, so that prevResult
# is joined on by the shell, not by a process: libcni does this in process too.
# CACHE holds the chain's final ADD result, as libcni's cache does. CNI_CONTAINERID,
# CNI_NETNS, CNI_IFNAME and CNI_PATH come from the environment.
set -e
command=$1 chain=$2 cache=$3
export CNI_COMMAND=$command
case $command in
ADD)
  prev=
  while IFS="$(printf '\t')" read -r type config; do
    if [ -z "$prev" ]; then
      prev=$(printf '%s}' "$config" | "$CNI_PATH/$type")
    else
      prev=$(printf '%s, "prevResult": %s}' "$config" "$prev" | "$CNI_PATH/$type")
    fi
  done <"$chain"
  printf '%s\n' "$prev" >"$cache"
  ;;
DEL)
  prev=$(cat "$cache")
  # Reverse order: the lines read back to front, without a process (tac would be one).
  lines=
  while IFS= read -r line; do lines="$line
$lines"; done <"$chain"
  printf '%s' "$lines" | while IFS="$(printf '\t')" read -r type config; do
    [ -n "$type" ] || continue
    printf '%s, "prevResult": %s}' "$config" "$prev" | "$CNI_PATH/$type" >/dev/null
  done
  rm -f "$cache"
  ;;
esac
