// config.json mount options ("ro", "nosuid", "rbind", "rprivate", "mode=755") split the
// way mount(2) takes them: flags, propagation changes (each a separate mount call), and
// the filesystem's own data string.
#pragma once

#include <string>
#include <vector>

#include "base/error.hpp"

namespace mr::runtime {

struct MountOptions {
  unsigned long flags = 0;                 // MS_RDONLY, MS_NOSUID, ...
  unsigned long clear = 0;                 // flags explicitly turned off ("rw", "suid", ...)
  std::vector<unsigned long> propagation;  // MS_PRIVATE, MS_REC | MS_SLAVE, ...
  bool bind = false;
  bool recursive = false;                  // rbind
  bool idmap = false;                      // "idmap" or "ridmap": id-mapped (oci::MountIdmap)
  std::string data;                        // "mode=755,size=65536k"
};

MountOptions parse_mount_options(const std::vector<std::string>& options);
// Every option parse_mount_options() knows as a flag, a propagation or a bind (what
// `mini-runc features` lists as mountOptions); others go to the filesystem as data.
std::vector<std::string> known_mount_options();

// The mount(2) flags of a propagation name ("rslave": MS_REC | MS_SLAVE); 0 if none.
unsigned long propagation_flags(const std::string& name);

}  // namespace mr::runtime
