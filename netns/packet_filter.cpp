#include "netns/packet_filter.hpp"

namespace mr::netns {

namespace {
PacketFilter* installed = nullptr;
}  // namespace

void install_packet_filter(PacketFilter* filter) { installed = filter; }
PacketFilter* packet_filter() { return installed; }

}  // namespace mr::netns
