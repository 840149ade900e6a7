#include "netspec/container_etc.hpp"

#include <cerrno>

#include "oci/json_input.hpp"

namespace mr::netspec {

namespace {

std::vector<std::string> words_of(std::string_view line) {
  std::vector<std::string> out;
  size_t at = 0;
  while (true) {
    at = line.find_first_not_of(" \t", at);
    if (at == std::string_view::npos) return out;
    size_t end = line.find_first_of(" \t", at);
    out.emplace_back(line.substr(at, end == std::string_view::npos ? line.npos : end - at));
    if (end == std::string_view::npos) return out;
    at = end;
  }
}

// Calls fn(line number, words) for each line that has words once comments are cut.
template <class Fn>
void each_line(std::string_view text, Fn&& fn) {
  size_t number = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++number;
    if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    auto words = words_of(line);
    if (!words.empty()) fn(number, words);
  }
}

Result<std::optional<std::string>> read_if_present(const std::string& path) {
  auto text = oci::read_input_file(path);
  if (text) return std::optional<std::string>(std::move(*text));
  if (text.error().err == ENOENT) return std::optional<std::string>();
  return std::unexpected(std::move(text).error());
}

}  // namespace

DnsConfig parse_resolv_conf(std::string_view text, std::vector<std::string>& left_out) {
  DnsConfig dns;
  each_line(text, [&](size_t number, const std::vector<std::string>& w) {
    auto skip = [&] { left_out.push_back("resolv.conf line " + std::to_string(number) + ": " + oci::one_line(w[0]) + " ..."); };
    if (w[0] == "nameserver" && w.size() == 2) {
      if (auto a = netns::IpAddress::parse(w[1]))
        dns.nameservers.push_back(*a);
      else
        skip();
    } else if (w[0] == "search" && w.size() > 1) {
      dns.search.insert(dns.search.end(), w.begin() + 1, w.end());
    } else if (w[0] == "options" && w.size() > 1) {
      dns.options.insert(dns.options.end(), w.begin() + 1, w.end());
    } else {
      skip();
    }
  });
  return dns;
}

std::vector<HostEntry> parse_hosts(std::string_view text, std::vector<std::string>& left_out) {
  std::vector<HostEntry> hosts;
  each_line(text, [&](size_t number, const std::vector<std::string>& w) {
    auto address = netns::IpAddress::parse(w[0]);
    if (!address || w.size() < 2) {
      left_out.push_back("hosts line " + std::to_string(number) + ": " + oci::one_line(w[0]) + " ...");
      return;
    }
    hosts.push_back({*address, {w.begin() + 1, w.end()}});
  });
  return hosts;
}

Result<ContainerEtc> read_container_etc(const std::string& state_dir, std::vector<std::string>& left_out) {
  ContainerEtc etc;
  if (auto text = MR_TRY_VALUE(read_if_present(state_dir + "/resolv.conf"))) etc.dns = parse_resolv_conf(*text, left_out);
  if (auto text = MR_TRY_VALUE(read_if_present(state_dir + "/hosts"))) etc.hosts = parse_hosts(*text, left_out);
  return etc;
}

}  // namespace mr::netspec
