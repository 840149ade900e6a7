#include "netns/nsid.hpp"

#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>

#include "netns/namespace.hpp"

namespace mr::netns {

Result<int> nsid_of(NlSocket& s, const Netns& target) {
  nl::Message m(RTM_GETNSID, 0);
  rtgenmsg g{};
  g.rtgen_family = AF_UNSPEC;
  m.put(g);
  m.attr_u32(NETNSA_FD, static_cast<uint32_t>(target.fd()));
  int id = kNoNsid;
  MR_TRY_CTX(s.call(m,
                    [&](const nlmsghdr* h) {
                      if (h->nlmsg_type != RTM_NEWNSID) return;
                      auto a = nl::parse_attrs<NETNSA_MAX>(h, sizeof(rtgenmsg));
                      if (a[NETNSA_NSID]) id = static_cast<int32_t>(mnl_attr_get_u32(a[NETNSA_NSID]));
                    }),
             "find the id " + s.where() + " has for " + target.name());
  return id;
}

}  // namespace mr::netns
