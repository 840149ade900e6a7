#include "support/comparable_view.hpp"

#include <algorithm>
#include <string>

namespace mr::test {

using json = nlohmann::ordered_json;

json comparable_view(json view) {
  for (auto& l : view["links"]) {
    l.erase("index");
    l.erase("operstate");
    json kept = json::array();
    for (auto& a : l["addresses"])
      if (!a.get<std::string>().starts_with("fe80:")) kept.push_back(a);
    std::sort(kept.begin(), kept.end());
    l["addresses"] = kept;
  }
  std::sort(view["links"].begin(), view["links"].end(),
            [](const json& x, const json& y) { return x["name"] < y["name"]; });
  json routes = json::array();
  for (auto& r : view["routes"])
    if (!r["to"].get<std::string>().starts_with("fe80:")) routes.push_back(r);
  std::sort(routes.begin(), routes.end());
  view["routes"] = routes;
  return view;
}

}  // namespace mr::test
