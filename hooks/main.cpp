// netns-hook's command line: options, the OCI state from stdin, one line on failure.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "hooks/hook.hpp"
#include "netns/state_root.hpp"
#include "oci/error_json.hpp"
#include "oci/json_input.hpp"

namespace {

constexpr const char* kWiring = R"(
Wire it into a bundle's config.json (runc, crun): one entry serves both stages, since
the state's status tells them apart ("stopped" means undo):

  "hooks": {
    "createRuntime": [{"path": "/usr/local/bin/netns-hook",
                       "args": ["netns-hook", "--network", "network.json"]}],
    "poststop":      [{"path": "/usr/local/bin/netns-hook"}]
  }

createRuntime runs in the runtime's namespace once the container's namespaces exist;
"prestart" works the same way. The spec is, in this order: --network FILE (relative to
the bundle), the bundle's network.json, or the config.json annotation
"org.mini-runc.network" (a file name or the JSON itself). linux.netDevices is honoured.
For podman, see examples/hooks.d/netns-hook.json (turned on by an annotation).

Exit status: 0 on success; 1 with one line on stderr (file, JSON pointer, reason) when
anything is wrong, and then the host is left as it was.)";

mr::netns::Result<std::string> read_stdin() {
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return mr::netns::fail(errno, "read the OCI state from stdin");
    }
    if (n == 0) return text;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > mr::oci::kMaxInputBytes)
      return mr::netns::fail(EFBIG, "stdin: the OCI state is larger than " +
                                        std::to_string(mr::oci::kMaxInputBytes) + " bytes");
  }
}

int report(const mr::hooks::HookOptions& opts, const mr::netns::Error& e) {
  if (opts.json_log)
    std::fprintf(stderr, "%s\n", mr::oci::error_to_json(e).dump().c_str());
  else
    std::fprintf(stderr, "netns-hook: %s\n", e.message().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace mr::hooks;
  HookOptions opts;
  CLI::App app{"netns-hook: mini-runc's network isolation as an OCI hook (state JSON on stdin)", "netns-hook"};
  app.footer(kWiring);
  std::string stage = "auto", log_format = "text";
  app.add_option("--network", opts.network_file, "network spec file (relative to the bundle)");
  app.add_option("--stage", stage, "configure, undo, or auto (from the state's status)")
      ->check(CLI::IsMember({"auto", "configure", "undo"}));
  app.add_option("--root", opts.root, "where configured containers are kept")->capture_default_str();
  app.add_option("--log-format", log_format, "text or json")->check(CLI::IsMember({"text", "json"}));
  app.add_flag("--debug", opts.debug, "print debug notes");
  CLI11_PARSE(app, argc, argv);
  opts.json_log = log_format == "json";
  opts.stage = stage == "configure" ? Stage::configure : stage == "undo" ? Stage::undo : Stage::automatic;
  if (auto ok = mr::netns::check_state_root(opts.root); !ok) return report(opts, ok.error());

  auto text = read_stdin();
  if (!text) return report(opts, text.error());
  auto state = mr::oci::parse_state(*text, kStateFile);
  if (!state) return report(opts, state.error());
  auto done = stage_for(opts, *state) == Stage::undo ? undo(opts, *state) : configure(opts, *state);
  if (!done) return report(opts, done.error());
  return 0;
}
