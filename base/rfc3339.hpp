// The time as runc writes it in logs and state: UTC, nanoseconds, RFC 3339
// ("2026-12-07T04:45:40.123456789Z").
#pragma once

#include <string>

namespace mr {

std::string now_rfc3339();

}  // namespace mr
