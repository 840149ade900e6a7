// linux.seccomp read into oci::Seccomp: every field, every action and operator, and the
// syscall-name policy (newer than libseccomp: kept; no syscall at all: refused).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "oci/config_loader.hpp"
#include "oci/default_config.hpp"
#include "support/unit/oci_test_util.hpp"

using namespace mr::oci;
using mr::test::has_problem_at;
using mr::test::messages;
using nlohmann::json;

namespace {

ConfigCheck check_seccomp(const json& seccomp) {
  json doc = default_config();
  doc["linux"]["seccomp"] = seccomp;
  Diagnostics diag;
  return check_config(doc.dump(), "config.json", diag);
}

}  // namespace

TEST_CASE("linux.seccomp reads back whole") {
  json s = {{"defaultAction", "SCMP_ACT_ERRNO"},
            {"defaultErrnoRet", 38},
            {"architectures", {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}},
            {"flags", {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC"}},
            {"listenerMetadata", "meta"},
            {"syscalls",
             {{{"names", {"read", "write"}}, {"action", "SCMP_ACT_ALLOW"}},
              {{"names", {"personality"}},
               {"action", "SCMP_ACT_ERRNO"},
               {"errnoRet", 22},
               {"args", {{{"index", 0}, {"value", 8}, {"op", "SCMP_CMP_MASKED_EQ"}, {"valueTwo", 8}}}}}}}};
  auto c = check_seccomp(s);
  INFO(messages(c));
  REQUIRE(c.config);
  REQUIRE(c.config->linux.seccomp);
  const Seccomp& r = *c.config->linux.seccomp;
  CHECK(r.default_action == SeccompAction::errno_ret);
  CHECK(r.default_errno_ret == 38u);
  CHECK(r.architectures == std::vector<std::string>{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"});
  CHECK(r.flags.size() == 3);
  CHECK(r.listener_metadata == "meta");
  REQUIRE(r.syscalls.size() == 2);
  CHECK(r.syscalls[0].names == std::vector<std::string>{"read", "write"});
  CHECK_FALSE(r.syscalls[0].errno_ret);
  CHECK(r.syscalls[1].errno_ret == 22u);
  REQUIRE(r.syscalls[1].args.size() == 1);
  CHECK(r.syscalls[1].args[0].op == SeccompOp::masked_eq);
  CHECK(r.syscalls[1].args[0].value == 8);
  CHECK(r.syscalls[1].args[0].value_two == 8);
}

TEST_CASE("every action, operator and architecture of the runtime-spec is known") {
  for (const char* a : {"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO",
                        "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY"})
    CHECK_MESSAGE(seccomp_action(a), a);
  CHECK_FALSE(seccomp_action("SCMP_ACT_NOPE"));
  for (const char* o : {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
                        "SCMP_CMP_MASKED_EQ"})
    CHECK_MESSAGE(seccomp_op(o), o);
  CHECK_FALSE(seccomp_op("SCMP_CMP_NOPE"));
  // Every architecture the packaged schema lists is accepted by the reader (and so by libseccomp).
  for (const char* a : {"SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64",
                        "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",
                        "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
                        "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC",
                        "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64"}) {
    auto c = check_seccomp({{"defaultAction", "SCMP_ACT_ALLOW"}, {"architectures", {a}}});
    INFO(a << ": " << messages(c));
    CHECK(c.config);
  }
  CHECK(seccomp_arch_name("SCMP_ARCH_X86_64") == "x86_64");
  CHECK_FALSE(seccomp_arch_name("SCMP_ARCH_Z80"));
}

TEST_CASE("a syscall newer than libseccomp is kept and a name that is no syscall is refused with its pointer") {
  // mseal (Linux 6.10) and statmount (6.8) are in Docker's default profile.
  auto newer = check_seccomp({{"defaultAction", "SCMP_ACT_ERRNO"},
                              {"syscalls", {{{"names", {"read", "mseal", "statmount"}}, {"action", "SCMP_ACT_ALLOW"}}}}});
  INFO(messages(newer));
  REQUIRE(newer.config);
  CHECK(newer.config->linux.seccomp->syscalls[0].names.size() == 3);
  CHECK(is_newer_syscall("mseal"));
  CHECK_FALSE(is_newer_syscall("mkdir"));
  auto bogus = check_seccomp({{"defaultAction", "SCMP_ACT_ERRNO"},
                              {"syscalls", {{{"names", {"read"}}, {"action", "SCMP_ACT_ALLOW"}},
                                            {{"names", {"write", "mkdri"}}, {"action", "SCMP_ACT_ALLOW"}}}}});
  REQUIRE(bogus.problems.size() == 1);
  CHECK(bogus.problems[0].message() == "config.json:/linux/seccomp/syscalls/1/names/1: unknown syscall \"mkdri\"");
}

TEST_CASE("errno values only with the actions that return them") {
  auto c = check_seccomp({{"defaultAction", "SCMP_ACT_KILL"}, {"defaultErrnoRet", 1}});
  CHECK(has_problem_at(c, "/linux/seccomp/defaultErrnoRet"));
  auto trace = check_seccomp({{"defaultAction", "SCMP_ACT_TRACE"}, {"defaultErrnoRet", 1}});
  INFO(messages(trace));
  CHECK(trace.config);
}
