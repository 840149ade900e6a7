// Engine seccomp profiles (Docker's, podman's: `archMap`, rules with includes/excludes)
// turned into config.json's linux.seccomp for amd64, as the engines do before they
// call the runtime (moby's profiles/seccomp/seccomp_linux.go, setupSeccomp).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mr::test {

// `profile` for an amd64 host running a process with the capabilities `caps`.
nlohmann::json oci_seccomp_from_profile(const nlohmann::json& profile, const std::vector<std::string>& caps);

// Docker's default profile (a copy under tests/runtime/seccomp_profiles) and podman's
// (/usr/share/containers/seccomp.json, from Debian's podman).
nlohmann::json docker_default_profile();
nlohmann::json podman_default_profile();

}  // namespace mr::test
