#include "netdef/network_users.hpp"

namespace mr::netdef {

std::vector<std::string> users_of(const NetworkDef&) { return {}; }

}  // namespace mr::netdef
