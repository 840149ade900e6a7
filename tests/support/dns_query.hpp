// A DNS client for tests: one A or AAAA query over UDP from inside a test namespace,
// waiting on the socket (never sleeping) for the answer.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "netns/ip.hpp"
#include "support/sandbox.hpp"

namespace mr::test {

struct DnsAnswer {
  int rcode = 0;                       // 0: NOERROR, 3: NXDOMAIN, ...
  std::vector<std::string> addresses;  // the answers of the asked type, as texts
};

// Asks `server` (port 53) from inside `from` for the addresses of `name` (AF_INET: A,
// AF_INET6: AAAA). None when no answer came within `timeout_ms`.
std::optional<DnsAnswer> dns_query(Space& from, const netns::IpAddress& server, const std::string& name,
                                   int family = AF_INET, int timeout_ms = 3000);

// A server reads its configuration again after it was told to (SIGHUP) in its own time,
// and nothing tells when it is done: asks again, each ask waiting on its answer, until
// the addresses of `name` are `expected` or `timeout_ms` has passed. Returns the last
// answer's addresses (empty when none came).
std::vector<std::string> dns_addresses_once(Space& from, const netns::IpAddress& server, const std::string& name,
                                            const std::vector<std::string>& expected, int timeout_ms = 5000);

}  // namespace mr::test
