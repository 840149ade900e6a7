#include "support/rfc_support.hpp"
#include "support/wait.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "netns/address.hpp"
#include "support/udp.hpp"

namespace mr::test::rfc {

using netns::IpAddress;

IpAddress ip(const std::string& text) { return MUST(IpAddress::parse(text)); }
netns::IpPrefix prefix(const std::string& text) { return MUST(netns::IpPrefix::parse(text)); }

namespace {

UniqueFd tcp_socket(Space& s, const IpAddress& family_of, int flags = 0) {
  return socket_in(s, family_of.family, SOCK_STREAM | flags);
}

int bind_to(const UniqueFd& fd, const IpAddress& at, uint16_t port) {
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  socklen_t len = 0;
  auto sa = socket_address(at, port, len);
  return ::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), len) == 0 ? 0 : errno;
}

std::string ip_of(const UniqueFd& sock, bool peer) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  int r = peer ? ::getpeername(sock.get(), reinterpret_cast<sockaddr*>(&ss), &len)
               : ::getsockname(sock.get(), reinterpret_cast<sockaddr*>(&ss), &len);
  REQUIRE(r == 0);
  return address_of(ss).to_string();
}

}  // namespace

UniqueFd tcp_listen(Space& s, const IpAddress& at, uint16_t port) {
  auto fd = tcp_socket(s, at);
  int err = bind_to(fd, at, port);
  INFO("bind " << at.to_string() << ":" << port << " in " << s.ns.name() << ": " << std::strerror(err));
  REQUIRE(err == 0);
  REQUIRE(::listen(fd.get(), 16) == 0);
  return fd;
}

int bind_errno(Space& s, const IpAddress& at, uint16_t port) { return bind_to(tcp_socket(s, at), at, port); }

int connect_errno(Space& s, const IpAddress& to, uint16_t port, UniqueFd& out) {
  auto fd = tcp_socket(s, to, SOCK_NONBLOCK);
  socklen_t len = 0;
  auto sa = socket_address(to, port, len);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), len) != 0) {
    if (errno != EINPROGRESS) return errno;
    if (!wait_ready(fd.get(), POLLOUT, kTimeoutMs)) return ETIMEDOUT;
    int err = 0;
    socklen_t err_len = sizeof err;
    REQUIRE(::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &err_len) == 0);
    if (err) return err;
  }
  REQUIRE(::fcntl(fd.get(), F_SETFL, 0) == 0);
  out = std::move(fd);
  return 0;
}

UniqueFd accept_one(const UniqueFd& listener, int timeout_ms) {
  REQUIRE_MESSAGE(wait_ready(listener.get(), POLLIN, timeout_ms), "no connection within " << timeout_ms << " ms");
  UniqueFd conn(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  REQUIRE(conn);
  return conn;
}

bool has_pending(const UniqueFd& listener) { return wait_ready(listener.get(), POLLIN, 0); }

std::string local_ip(const UniqueFd& sock) { return ip_of(sock, false); }
std::string peer_ip(const UniqueFd& sock) { return ip_of(sock, true); }

std::string read_to_eof(const UniqueFd& sock) {
  std::string data;
  char buf[4096];
  for (;;) {
    REQUIRE_MESSAGE(wait_ready(sock.get(), POLLIN, kTimeoutMs), "peer silent for " << kTimeoutMs << " ms after \"" << data << "\"");
    ssize_t n = ::read(sock.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    REQUIRE(n >= 0);
    if (n == 0) return data;
    data.append(buf, static_cast<std::size_t>(n));
  }
}

void send_all(const UniqueFd& sock, const std::string& data) {
  REQUIRE(::send(sock.get(), data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size()));
}

const std::vector<std::string> Container::kWaiter = {"sh", "-c", "trap 'exit 0' TERM; echo ready; sleep 1000 & wait"};

namespace {

Bundle make_bundle(const std::string& dir, std::vector<std::string> args) {
  Bundle b(dir + "/bundle");
  for (const char* applet : {"nc", "httpd", "ip", "wget", "mkdir"})
    std::filesystem::create_symlink("busybox", b.rootfs() + "/bin/" + applet);
  b.args(std::move(args));
  return b;
}

}  // namespace

Container::Container(RuntimeCli& runc, const std::string& dir, std::string id, const nlohmann::json& spec, SpecVia via,
                     std::vector<std::string> args)
    : runc_(runc), id_(std::move(id)) {
  Bundle b = make_bundle(dir, std::move(args));
  bool option = via == SpecVia::network_option;
  std::string spec_file = option ? dir + "/spec.json" : b.dir + "/network.json";
  std::ofstream(spec_file) << spec.dump(2);
  if (via == SpecVia::hook) {
    // One entry serves both stages: the state's status tells configure from undo.
    nlohmann::json hook{{"path", MR_NETNS_HOOK}, {"args", {"netns-hook", "--root", dir + "/hook-root"}}};
    b.config["hooks"] = {{"createRuntime", {hook}}, {"poststop", {hook}}};
  }
  start(b, option ? std::vector<std::string>{"--network", spec_file} : std::vector<std::string>{});
}

Container::Container(RuntimeCli& runc, const std::string& dir, std::string id, const Join& netns,
                     std::vector<std::string> args)
    : runc_(runc), id_(std::move(id)) {
  Bundle b = make_bundle(dir, std::move(args));
  for (auto& ns : b.config["linux"]["namespaces"])
    if (ns["type"] == "network") ns["path"] = netns.path;
  start(b, {});
}

void Container::start(Bundle& b, const std::vector<std::string>& options) {
  try {
    launch(b, options);
  } catch (...) {
    end();  // a constructor that throws gets no destructor
    throw;
  }
}

void Container::launch(Bundle& b, const std::vector<std::string>& options) {
  b.write();
  std::vector<std::string> args = {"run", "-b", b.dir};
  args.insert(args.end(), options.begin(), options.end());
  args.push_back(id_);
  run_ = runc_.spawn(args, out_);
  // The workload's first words: by then create has set the network up.
  std::string said;
  while (said.find("ready\n") == std::string::npos) {
    REQUIRE_MESSAGE(wait_ready(out_.get(), POLLIN, 10000), "container " << id_ << " not ready within 10 s");
    char buf[256];
    ssize_t n = ::read(out_.get(), buf, sizeof buf);
    REQUIRE_MESSAGE(n > 0, "container " << id_ << " ended before it was ready (status " << wait_status(run_)
                                        << ", said \"" << said << "\")");
    said.append(buf, static_cast<std::size_t>(n));
  }
  pid_ = runc_.state(id_)["pid"];
  auto ns = MUST(netns::Netns::open_pid(pid_));
  auto nl = MUST(netns::NlSocket::open_in(ns));
  net_.emplace(Space{std::move(ns), std::move(nl)});
}

int Container::stop() {
  REQUIRE(run_ > 0);
  auto k = runc_({"kill", id_, "TERM"});
  INFO(k.err);
  CHECK(k.status == 0);
  int status = wait_status(std::exchange(run_, -1));
  net_.reset();
  return status;
}

Container::~Container() { end(); }

void Container::end() noexcept {
  if (run_ <= 0) return;
  // A failed test: end it without checks (a failing REQUIRE must not throw from here).
  ::kill(pid_ ? pid_ : run_, pid_ ? SIGKILL : SIGTERM);
  int status;
  while (::waitpid(run_, &status, 0) < 0 && errno == EINTR) {}
  run_ = -1;
}

BridgedHost::BridgedHost(Engine e)
    : engine(e), runc(sb, tmp.path() + "/root", e == Engine::mini_runc ? MINI_RUNC_PATH : MR_RUNC) {
  if (e == Engine::runc_hook)
    REQUIRE_MESSAGE(std::filesystem::exists(MR_RUNC), "runc not found; install it (scripts/packages.txt)");
  auto br = sb.bridge("br0");
  MUST(netns::add_address(sb.host().nl, br.index, prefix("10.88.0.1/24")));
}

nlohmann::json BridgedHost::veth_spec(const std::string& address, const std::string& host_end) {
  return {{"version", 1},
          {"devices",
           {{{"name", "eth0"}, {"veth", {{"bridge", "br0"}, {"hostName", host_end}}}, {"addresses", {address + "/24"}}}}}};
}

std::unique_ptr<Container> BridgedHost::bridged(const std::string& id, const std::string& address,
                                                std::vector<std::string> args) {
  std::string host_end = "v" + id;
  bool hooked = engine == Engine::runc_hook;
  std::string unique = hooked ? id + "-" + std::filesystem::path(tmp.path()).filename().string() : id;
  auto c = std::make_unique<Container>(runc, dir(id), unique, veth_spec(address, host_end),
                                       hooked ? SpecVia::hook : SpecVia::bundle_file, std::move(args));
  sb.host().wait_oper_up(host_end);
  sb.host().wait_oper_up("br0");
  c->net().wait_oper_up("eth0");
  return c;
}

}  // namespace mr::test::rfc
