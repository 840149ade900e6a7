// The libseccomp filter built from oci::Seccomp, read back as libseccomp's pseudo
// filter code (seccomp_export_pfc), never loaded: no kernel state.
#include <doctest/doctest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>

#include "base/unique_fd.hpp"
#include "runtime/seccomp_filter.hpp"

using namespace mr;
using namespace mr::oci;

namespace {

std::string pfc(const runtime::SeccompFilter& f) {
  UniqueFd fd(::memfd_create("pfc", MFD_CLOEXEC));
  REQUIRE(fd);
  REQUIRE(seccomp_export_pfc(f.get(), fd.get()) == 0);
  std::string out(static_cast<size_t>(::lseek(fd.get(), 0, SEEK_END)), '\0');
  REQUIRE(::pread(fd.get(), out.data(), out.size(), 0) == static_cast<ssize_t>(out.size()));
  return out;
}

}  // namespace

TEST_CASE("the filter has a rule per name, skips syscalls newer than libseccomp, and splits repeated argument indexes") {
  Seccomp s;
  s.default_action = SeccompAction::errno_ret;
  s.default_errno_ret = 38;
  s.architectures = {"SCMP_ARCH_X86_64"};
  s.syscalls.push_back({{"read", "mseal"}, SeccompAction::allow, std::nullopt, {}});
  s.syscalls.push_back({{"mkdir"}, SeccompAction::errno_ret, 1,
                        {{1, 0700, 0, SeccompOp::eq}, {1, 0711, 0, SeccompOp::eq}}});
  // The same action as the default: no rule (libseccomp would refuse it).
  s.syscalls.push_back({{"getpid"}, SeccompAction::errno_ret, 38, {}});
  auto f = runtime::build_seccomp_filter(s);
  REQUIRE_MESSAGE(f, (f ? "" : f.error().message()));
  std::string code = pfc(*f);
  INFO(code);
  CHECK(code.find("if ($syscall == 0)") != std::string::npos);  // read
  CHECK(code.find("if ($syscall == 83)") != std::string::npos);  // mkdir
  CHECK(code.find("if ($syscall == 39)") == std::string::npos);  // getpid
  CHECK(code.find("action ERRNO(38);") != std::string::npos);
  CHECK(code.find("action ERRNO(1);") != std::string::npos);
  // Either comparison of argument 1 matches on its own.
  CHECK(code.find("if ($a1.lo32 == 448)\n        action ERRNO(1);") != std::string::npos);  // 0700
  CHECK(code.find("if ($a1.lo32 == 457)\n        action ERRNO(1);") != std::string::npos);  // 0711
}

TEST_CASE("an architecture libseccomp knows is added and the flags set their attributes") {
  Seccomp s;
  s.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
  s.flags = {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC"};
  s.syscalls.push_back({{"mkdir"}, SeccompAction::kill_process, std::nullopt, {}});
  auto f = runtime::build_seccomp_filter(s);
  REQUIRE_MESSAGE(f, (f ? "" : f.error().message()));
  uint32_t v = 0;
  CHECK(seccomp_attr_get(f->get(), SCMP_FLTATR_CTL_LOG, &v) == 0);
  CHECK(v == 1);
  CHECK(seccomp_attr_get(f->get(), SCMP_FLTATR_CTL_SSB, &v) == 0);
  CHECK(v == 1);
  CHECK(seccomp_attr_get(f->get(), SCMP_FLTATR_CTL_NNP, &v) == 0);
  CHECK(v == 0);  // noNewPrivileges decides, not libseccomp
  CHECK(seccomp_arch_exist(f->get(), SCMP_ARCH_X86) == 0);
  CHECK(seccomp_arch_exist(f->get(), SCMP_ARCH_X32) == 0);
  CHECK(pfc(*f).find("action KILL_PROCESS;") != std::string::npos);
}
