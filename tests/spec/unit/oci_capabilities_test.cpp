// process.capabilities at load: a name no capability has is refused at its pointer, and
// an ambient capability the kernel would not raise is noted, not refused (as runc).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "oci/capability_names.hpp"
#include "oci/config_loader.hpp"
#include "oci/default_config.hpp"
#include "support/unit/oci_test_util.hpp"

using namespace mr::oci;
using mr::test::has_problem_at;
using mr::test::messages;
using nlohmann::json;

TEST_CASE("the capability table is the kernel's numbering") {
  CHECK(capability_names().size() == 41);
  CHECK(*capability_number_of("CAP_CHOWN") == 0);
  CHECK(*capability_number_of("CAP_NET_ADMIN") == 12);
  CHECK(*capability_number_of("CAP_SYS_ADMIN") == 21);
  CHECK(*capability_number_of("CAP_CHECKPOINT_RESTORE") == 40);
  CHECK_FALSE(capability_number_of("CAP_NOPE"));
  CHECK_FALSE(capability_number_of("cap_chown"));
  for (size_t i = 0; i < capability_names().size(); ++i)
    CHECK(capability_number_of(capability_names()[i]) == static_cast<int>(i));
}

TEST_CASE("an unknown capability in any set is one problem at its pointer") {
  for (const char* set : {"bounding", "effective", "inheritable", "permitted", "ambient"}) {
    CAPTURE(set);
    json doc = default_config();
    doc["process"]["capabilities"][set] = {"CAP_KILL", "CAP_NOT_A_CAPABILITY"};
    Diagnostics diag;
    auto c = check_config(doc.dump(), "config.json", diag);
    INFO(messages(c));
    REQUIRE(c.problems.size() == 1);
    CHECK(c.problems[0].message() == "config.json:/process/capabilities/" + std::string(set) +
                                         "/1: unknown capability \"CAP_NOT_A_CAPABILITY\" (expected a name such "
                                         "as CAP_NET_ADMIN)");
  }
}

TEST_CASE("an ambient capability that is not permitted and inheritable is a note, not a problem") {
  json doc = default_config();
  doc["process"]["capabilities"] = {{"bounding", {"CAP_KILL", "CAP_CHOWN"}},
                                    {"permitted", {"CAP_KILL", "CAP_CHOWN"}},
                                    {"inheritable", {"CAP_CHOWN"}},
                                    {"ambient", {"CAP_KILL", "CAP_CHOWN"}}};
  Diagnostics diag;
  auto c = check_config(doc.dump(), "config.json", diag);
  INFO(messages(c));
  CHECK(c.problems.empty());
  CHECK(diag.warnings.empty());
  int notes = 0;
  for (const auto& n : diag.notes)
    if (n.message().find("/process/capabilities/ambient") != std::string::npos) {
      ++notes;
      CHECK(n.message() ==
            "config.json:/process/capabilities/ambient/0: CAP_KILL is not raised: an ambient capability must also "
            "be permitted and inheritable");
    }
  CHECK(notes == 1);
}
