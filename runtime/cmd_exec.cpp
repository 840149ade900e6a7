// `mini-runc exec [flags] ID [COMMAND [ARGS...]]`, with runc's flags: without
// --process, the container's own process (from the config kept at create) with its
// args, env, cwd, user and capabilities changed by the flags, as runc's getProcess().
#include <charconv>

#include "oci/capability_names.hpp"
#include "oci/config_loader.hpp"
#include "runtime/cli.hpp"
#include "runtime/exec.hpp"

namespace mr::runtime {

namespace {

struct ExecFlags {
  std::string id;
  std::vector<std::string> command;
  std::string process_file;
  bool tty = false;
  std::string console_socket;
  bool detach = false;
  std::string pid_file;
  std::vector<std::string> env;
  std::string cwd;
  std::string user;
  std::vector<std::string> additional_gids;
  std::vector<std::string> caps;
  bool no_new_privs = false;
  int preserve_fds = 0;
  std::string apparmor;
  std::string process_label;
  bool ignore_paused = false;
};

Result<uint32_t> parse_id(const std::string& text, const std::string& flag) {
  uint32_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size())
    return fail(EINVAL, flag + ": expected a numeric id (user names are not resolved), got \"" + text + "\"");
  return v;
}

Result<void> apply_flags(const ExecFlags& f, oci::Process& p) {
  p.terminal = f.tty;
  if (f.command.empty()) return fail(EINVAL, "exec needs a command (or --process FILE)");
  p.args = f.command;
  p.env.insert(p.env.end(), f.env.begin(), f.env.end());
  if (!f.cwd.empty()) {
    if (!f.cwd.starts_with('/')) return fail(EINVAL, "--cwd: expected an absolute path, got \"" + f.cwd + "\"");
    p.cwd = f.cwd;
  }
  if (!f.user.empty()) {
    auto colon = f.user.find(':');
    p.user.uid = MR_TRY_VALUE(parse_id(f.user.substr(0, colon), "--user"));
    if (colon != std::string::npos) p.user.gid = MR_TRY_VALUE(parse_id(f.user.substr(colon + 1), "--user"));
  }
  for (const auto& g : f.additional_gids) p.user.additional_gids.push_back(MR_TRY_VALUE(parse_id(g, "--additional-gids")));
  // Added to the bounding, effective and permitted sets (as runc); a process that keeps
  // capabilities across exec through the ambient set (a non-root user's) gets it there
  // too, and in the inheritable set an ambient one needs (capabilities(7)). Without
  // capabilities in the config the process keeps all of root's: nothing to add.
  for (const auto& cap : f.caps)
    if (!oci::capability_number_of(cap)) return fail(EINVAL, "--cap: unknown capability \"" + cap + "\"");
  if (!f.caps.empty() && p.capabilities) {
    auto& c = *p.capabilities;
    bool ambient = !c.ambient.empty();
    for (const auto& cap : f.caps) {
      c.bounding.push_back(cap);
      c.effective.push_back(cap);
      c.permitted.push_back(cap);
      if (!ambient) continue;
      c.inheritable.push_back(cap);
      c.ambient.push_back(cap);
    }
  }
  if (f.no_new_privs) p.no_new_privileges = true;
  return {};
}

Result<int> run_exec(const GlobalOptions& g, const ExecFlags& f) {
  if (!f.apparmor.empty())
    return fail(EINVAL, "--apparmor: an AppArmor profile is not applied; ignoring it would weaken isolation");
  if (!f.process_label.empty())
    return fail(EINVAL, "--process-label: an SELinux label is not applied; ignoring it would weaken isolation");
  auto c = MR_TRY_VALUE(load_container(g, f.id));
  MR_TRY(check_exec_status(c.dir, c.state, f.ignore_paused));
  oci::Config config = MR_TRY_VALUE(load_kept_config(c.dir));
  oci::Process process;
  if (!f.process_file.empty()) {
    // As runc: the file is the whole process; only -t adds to it.
    oci::Diagnostics diag;
    process = MR_TRY_VALUE(oci::load_process_file(f.process_file, diag));
    log_diagnostics(diag);
    if (f.tty) process.terminal = true;
  } else {
    process = config.process;
    MR_TRY(apply_flags(f, process));
  }
  ExecRequest req{.dir = c.dir, .state = c.state, .config = &config, .process = std::move(process),
                  .console_socket = f.console_socket, .pid_file = f.pid_file, .preserve_fds = f.preserve_fds,
                  .detach = f.detach};
  return exec_process(req);
}

}  // namespace

Command add_exec_command(CLI::App& app, const GlobalOptions& g) {
  auto* sub = app.add_subcommand("exec", "run another process in a running container");
  auto f = std::make_shared<ExecFlags>();
  sub->add_option("container-id", f->id, "the container's id")->required();
  sub->add_option("-p,--process", f->process_file, "a runtime-spec process JSON: the whole process to run");
  sub->add_flag("-t,--tty", f->tty, "give the process a pseudo-terminal (its master goes to --console-socket)");
  sub->add_option("--console-socket", f->console_socket, "unix socket to receive the terminal's master fd");
  sub->add_flag("-d,--detach", f->detach, "return once the process runs");
  sub->add_option("--pid-file", f->pid_file, "write the process's pid to this file");
  sub->add_option("-e,--env", f->env, "add an environment variable (KEY=VALUE); repeatable")
      ->allow_extra_args(false);
  sub->add_option("--cwd", f->cwd, "the working directory in the container");
  sub->add_option("-u,--user", f->user, "uid[:gid] to run as");
  sub->add_option("-g,--additional-gids", f->additional_gids, "an additional group id; repeatable")
      ->allow_extra_args(false);
  sub->add_option("-c,--cap", f->caps, "add a capability (CAP_NET_ADMIN); repeatable")
      ->allow_extra_args(false);
  sub->add_flag("--no-new-privs", f->no_new_privs, "set no_new_privileges for the process");
  sub->add_option("--preserve-fds", f->preserve_fds, "pass this many fds beyond stdio (3, 4, ...)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--apparmor", f->apparmor, "refused when not empty: AppArmor profiles are not applied");
  sub->add_option("--process-label", f->process_label, "refused when not empty: SELinux labels are not applied");
  sub->add_flag("--ignore-paused", f->ignore_paused, "exec in a paused container (the process joins its frozen cgroups)");
  // One value per occurrence of the repeatable flags (CLI11 lets a vector option take
  // every word up to the next flag, which would swallow the id and the command).
  // Everything after the id is the command and its arguments, their own flags
  // included ("sh -c ..."): CLI11 leaves it unparsed in remaining().
  sub->prefix_command();
  sub->footer("COMMAND [ARGS...] follow the container id (unless --process)");
  return {sub, [&g, f, sub] {
            f->command = sub->remaining();
            auto status = run_exec(g, *f);
            if (!status) return report(status.error());
            return *status;
          }};
}

}  // namespace mr::runtime
