#include "oci/cli_error.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <string>

namespace mr::oci {

int report_parse_error(std::string_view program, const CLI::ParseError& e) {
  std::string what = e.what();
  std::replace(what.begin(), what.end(), '\n', ' ');
  while (!what.empty() && what.back() == ' ') what.pop_back();
  // CLI11 writes sentences ("The following argument was not expected: --bogus"); error
  // text here is lower case.
  if (!what.empty()) what[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(what[0])));
  std::fprintf(stderr, "%.*s: error: %s\n", static_cast<int>(program.size()), program.data(), what.c_str());
  return 1;
}

}  // namespace mr::oci
