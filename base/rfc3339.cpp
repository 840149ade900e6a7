#include "base/rfc3339.hpp"

#include <chrono>
#include <cstdio>

namespace mr {

std::string now_rfc3339() {
  using namespace std::chrono;
  // Calendar arithmetic rather than gmtime_r, whose first call loads the time zone
  // database (/etc/localtime) although UTC needs none of it.
  auto now = system_clock::now();
  auto day = floor<days>(now);
  year_month_day date{day};
  hh_mm_ss time{duration_cast<nanoseconds>(now - day)};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lld.%09lldZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<long long>(time.hours().count()), static_cast<long long>(time.minutes().count()),
                static_cast<long long>(time.seconds().count()), static_cast<long long>(time.subseconds().count()));
  return buf;
}

}  // namespace mr
