// tcp-probe: the two ends of the benchmark's connection-latency case.
//
//   tcp-probe serve --netns PATH --port P --ready FIFO   # in PATH's netns; "ready" to FIFO once listening
//   tcp-probe connect --netns PATH --to IPV4 --port P --count N
//
// serve accepts for ever and answers each connection with one byte, then closes it.
// connect, from the netns at PATH, opens N connections one after the other, each to
// IPV4:P, reads that byte (so each one reached a server: it fails otherwise) and resets
// the connection (SO_LINGER 0: no TIME_WAIT left behind to fill the port range). The
// measure step that runs it is timed as a whole: N handshakes, one byte, a reset each.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "tcp-probe: %s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(1);
}

void enter_netns(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) die("open " + path);
  if (::setns(fd, CLONE_NEWNET) != 0) die("setns " + path);
  ::close(fd);
}

int serve(int port, const std::string& ready) {
  int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) die("socket");
  int one = 1;
  ::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) die("bind");
  if (::listen(s, 128) != 0) die("listen");
  if (FILE* f = std::fopen(ready.c_str(), "w")) {
    std::fputs("ready\n", f);
    std::fclose(f);
  } else {
    die("open " + ready);
  }
  for (;;) {
    int c = ::accept4(s, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      die("accept");
    }
    (void)!::write(c, "x", 1);  // the client may have reset already
    ::close(c);
  }
}

int connect_loop(const std::string& to, int port, long count) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, to.c_str(), &a.sin_addr) != 1) {
    errno = EINVAL;
    die("address " + to);
  }
  const linger reset{1, 0};
  for (long i = 0; i < count; ++i) {
    int c = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c < 0) die("socket");
    if (::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) die("connect " + to);
    char b = 0;
    if (::read(c, &b, 1) != 1 || b != 'x') die("read the server's byte from " + to);
    ::setsockopt(c, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    ::close(c);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    errno = EINVAL;
    die("usage: tcp-probe serve|connect --netns PATH --port P [--ready FIFO] [--to IPV4 --count N]");
  }
  std::string mode = argv[1], netns, to, ready;
  int port = 0;
  long count = 1;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--netns") netns = v;
    else if (k == "--port") port = std::atoi(v.c_str());
    else if (k == "--ready") ready = v;
    else if (k == "--to") to = v;
    else if (k == "--count") count = std::atol(v.c_str());
    else {
      errno = EINVAL;
      die("unknown argument " + k);
    }
  }
  if (!netns.empty()) enter_netns(netns);
  if (mode == "serve") return serve(port, ready);
  if (mode == "connect") return connect_loop(to, port, count);
  errno = EINVAL;
  die("unknown mode " + mode);
}
