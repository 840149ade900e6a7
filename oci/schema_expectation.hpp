// What a schema expected at a JSON pointer, in words, for the messages of
// Schema::validate(): "expected an integer", "expected one of: a, b". valijson's own text
// says only that a type or an enum did not match.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace mr::oci {

class SchemaWalk;

class SchemaExpectations {
 public:
  // `root` is the root schema document, `dir` the directory of the files it $refs (read
  // again when a message needs them). Both must outlive this.
  SchemaExpectations(const nlohmann::json& root, const std::string& dir);
  ~SchemaExpectations();

  // valijson's `description` of a failure at `pointer`, said as what was expected; its
  // own text, tidied, where the schema does not tell.
  std::string operator()(const std::string& pointer, const std::string& description);

 private:
  std::unique_ptr<SchemaWalk> walk_;
};

}  // namespace mr::oci
