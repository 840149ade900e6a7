// A schema cut down to one document: the "properties" that the document does not have
// are dropped before valijson compiles the schema. Validating a property that is absent
// checks nothing ("required" and "additionalProperties" are kept and still see every key
// the document has), so the verdict is the same; what is saved is compiling, and even
// reading, the schemas of sections nobody wrote: in config.json, seccomp, resources or
// the Windows section. Compiling the whole runtime-spec schema was most of the CPU time
// of `mini-runc run` before the container's processes exist.
#pragma once

#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace mr::oci {

class SchemaPruner {
 public:
  // Prunes `schema` (a root schema document) for `doc`. Keeps a pointer to `doc`'s
  // values for the files fetched later: `doc` must outlive the pruner.
  void prune_root(nlohmann::json& schema, const nlohmann::json& doc);
  // Prunes a document fetched for a $ref ("config-linux.json") for the values that the
  // refs to its top-level keys ("config-linux.json#/linux") describe.
  void prune_fetched(const std::string& file, nlohmann::json& fetched);

 private:
  struct Target {
    std::string file;     // "config-linux.json"
    std::string pointer;  // "/linux"
    const nlohmann::json* value;
  };
  void prune(nlohmann::json& schema, const nlohmann::json& value);
  void note_ref(const std::string& ref, const nlohmann::json& value);

  std::vector<Target> targets_;
  std::set<std::pair<std::string, std::string>> shared_;  // refs seen twice: left whole
};

}  // namespace mr::oci
