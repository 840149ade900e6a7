// Delegated IPAM (SPEC.md, "Delegated plugins"): the plugin that "ipam"."type" names,
// found in CNI_PATH, run with this plugin's own environment and command and the whole
// configuration on stdin; its answer parsed. ADD's addresses and routes come from it,
// and DEL (or an ADD that fails after it) gives them back through it.
#pragma once

#include "cni/protocol.hpp"

namespace mr::cni {

// Whether the plugin is in CNI_PATH (code 4 naming CNI_PATH when not), to refuse an ADD
// before anything changes.
Outcome<void> find_ipam_plugin(const Environment& env, const NetConf& conf);

// IPAM ADD: the addresses, routes and DNS the plugin hands out for the attachment. A
// result it cannot read is given back (IPAM DEL) before it fails.
Outcome<AddResult> ipam_add(const Environment& env, const NetConf& conf);

// IPAM DEL, for the DEL of the attachment or to undo ipam_add().
Outcome<void> ipam_del(const Environment& env, const NetConf& conf);

}  // namespace mr::cni
