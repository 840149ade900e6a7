// ROOT/ID is trusted only as a real directory of the runtime's user: a symlink there (to a
// directory holding a state, a journal and a pin file) or another user's directory is
// refused by every command in one line, and nothing behind it is read or changed. Ids
// that no create would accept (control characters) are refused, and quoted escaped, so
// that no message splits a log line.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "support/hostile_docs.hpp"
#include "support/runtime_harness.hpp"
#include "support/process.hpp"

using namespace mr::test;
namespace fs = std::filesystem;

namespace {

// What a container directory holds, file by file, for a before/after comparison.
std::map<std::string, std::string> contents_of(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out[e.path().filename()] = read_file(e.path());
  return out;
}

// A container's files as mini-runc and netns-hook keep them: a state of a stopped
// container, a journal, an empty pin file.
void furnish(const std::string& dir, const std::string& id) {
  fs::create_directories(dir);
  nlohmann::json st = {{"id", id}, {"bundle", "/nonexistent"}, {"pid", reaped_pid()}, {"start_time", 1},
                       {"annotations", nlohmann::json::object()}, {"own_netns", true}};
  std::ofstream(dir + "/state.json") << st.dump();
  std::ofstream(dir + "/network.journal") << "mr-journal 1\n";
  std::ofstream(dir + "/netns");
  std::ofstream(dir + "/process") << reaped_pid() << " 1\n";
}

struct StateDirFixture : MiniRuncFixture {
  std::string hook_root = tmp.file("hook-root");
  RuntimeCli hook{sb, hook_root, MR_NETNS_HOOK};
  StateDirFixture() {
    b.write();
    for (const auto& root : {runc.root(), hook_root}) REQUIRE(::mkdir(root.c_str(), 0700) == 0);
  }
  // Every command that takes a container by id, on `id`: each exits 1 with one line
  // containing `why`.
  void all_refuse(const std::string& id, const std::string& why) {
    const std::vector<std::vector<std::string>> commands = {
        {"state", id},          {"delete", id},        {"delete", "--force", id},
        {"kill", id, "KILL"},   {"start", id},         {"net", "show", id},
        {"net", "attach", id, "--veth", "--name", "eth9"}, {"net", "detach", id, "eth0"},
    };
    for (const auto& args : commands) {
      CAPTURE(args.front());
      CAPTURE(args.size());
      auto o = runc(args);
      CHECK(o.status == 1);
      CHECK(lines_of(o.err).size() == 1);
      CHECK(o.err.find(why) != std::string::npos);
    }
    auto c = runc({"cleanup"});
    CHECK(c.status == 1);
    CHECK(c.out.empty());
    CHECK(lines_of(c.err).size() == 1);
    CHECK(c.err.find(why) != std::string::npos);
    for (const auto& args : std::vector<std::vector<std::string>>{{}, {"show", id}, {"detach", id, "eth0"}}) {
      CAPTURE(args.size());
      auto o = hook(args, args.empty() ? R"({"ociVersion": "1.0.2", "id": ")" + id + R"(", "status": "stopped"})" : "");
      CHECK(o.status == 1);
      CHECK(lines_of(o.err).size() == 1);
      CHECK(o.err.find(why) != std::string::npos);
    }
  }
};

}  // namespace

TEST_CASE_FIXTURE(StateDirFixture, "a symlink at ROOT/ID is refused by every command, and what it points at stays") {
  const std::string target = tmp.file("elsewhere");
  furnish(target, "victim");
  const auto before = contents_of(target);
  fs::create_directory_symlink(target, runc.root() + "/victim");
  fs::create_directory_symlink(target, hook_root + "/victim");
  all_refuse("victim", "/victim is a symlink, not a container's state directory: refused");
  CHECK(contents_of(target) == before);
  // `list` shows what it can and says what it skipped.
  auto l = runc({"list", "-q"});
  CHECK(l.status == 0);
  CHECK(l.out.empty());
  CHECK(l.err.find("/victim is a symlink") != std::string::npos);
}

TEST_CASE_FIXTURE(StateDirFixture, "another user's directory at ROOT/ID is refused by every command, and stays as it is") {
  for (const auto& root : {runc.root(), hook_root}) {
    furnish(root + "/theirs", "theirs");
    REQUIRE(::chown((root + "/theirs").c_str(), 4242, 4242) == 0);
  }
  const auto before = contents_of(runc.root() + "/theirs");
  const auto hook_before = contents_of(hook_root + "/theirs");
  all_refuse("theirs", "/theirs is owned by uid 4242, not this user: refused");
  CHECK(contents_of(runc.root() + "/theirs") == before);
  CHECK(contents_of(hook_root + "/theirs") == hook_before);
}

TEST_CASE_FIXTURE(StateDirFixture, "ids with control characters are refused, and quoted escaped") {
  for (const std::string& id : {std::string("a\nb"), std::string("a\rb"), std::string("a\x1b[31mb")}) {
    std::string escaped = id;
    for (auto [raw, esc] : {std::pair{"\n", "\\x0a"}, {"\r", "\\x0d"}, {"\x1b", "\\x1b"}})
      if (auto at = escaped.find(raw); at != std::string::npos) escaped.replace(at, 1, esc);
    const std::string why = "invalid container id \"" + escaped + "\": only letters, digits and _ + - . are allowed";
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"create", "-b", b.dir, id}, {"run", "-b", b.dir, id}, {"delete", "--force", id}, {"state", id}}) {
      CAPTURE(args.front());
      auto o = runc(args);
      CHECK(o.status == 1);
      CHECK(o.err == "mini-runc: error: " + why + ": Invalid argument\n");
    }
    nlohmann::json state = {{"ociVersion", "1.0.2"}, {"id", id}, {"status", "creating"}, {"pid", ::getpid()},
                            {"bundle", b.dir}};
    auto o = hook({}, state.dump());
    CHECK(o.status == 1);
    CHECK(o.err == "netns-hook: error: stdin:/id: " + why + "\n");
  }
  CHECK(fs::is_empty(runc.root()));
  CHECK(fs::is_empty(hook_root));
}
