// valijson::remainder (oci/valijson_remainder.hpp), which keeps libm out of the
// binaries, against glibc's remainder(3) itself, and through a schema's "multipleOf".
#include <dlfcn.h>
#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>

#include <nlohmann/json.hpp>

#include "oci/schema.hpp"
#include "oci/valijson_remainder.hpp"

namespace {

using RemainderFn = double (*)(double, double);

// glibc's remainder, from libm itself: the name in this binary is valijson's now.
RemainderFn glibc_remainder() {
  void* libm = ::dlopen("libm.so.6", RTLD_NOW | RTLD_LOCAL);
  REQUIRE(libm != nullptr);
  auto fn = reinterpret_cast<RemainderFn>(::dlsym(libm, "remainder"));
  REQUIRE(reinterpret_cast<void*>(fn) != nullptr);
  return fn;
}

bool same(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::memcmp(&a, &b, sizeof a) == 0;  // -0.0 and 0.0 told apart
}

}  // namespace

TEST_CASE("valijson's remainder gives glibc's result bit for bit") {
  RemainderFn expected = glibc_remainder();
  const double inf = std::numeric_limits<double>::infinity();
  const double tiny = std::numeric_limits<double>::denorm_min();
  // Ties go to the even quotient; exponents far apart take FPREM1 several rounds.
  const std::vector<std::pair<double, double>> cases = {
      {5.0, 2.0}, {7.0, 2.0}, {-7.0, 2.0}, {6.0, 4.0}, {3.5, 0.5}, {3.3, 0.5}, {0.1, 0.01},
      {1e300, 3.0}, {-1e308, 7e-300}, {tiny, 3.0}, {5.0, tiny}, {-0.0, 1.0}, {4.0, -2.0},
      {1.0, 0.0}, {inf, 2.0}, {2.0, inf}, {std::nan(""), 1.0}};
  for (auto [x, y] : cases) {
    INFO(x << " rem " << y);
    CHECK(same(valijson::remainder(x, y), expected(x, y)));
  }
  std::mt19937_64 rng(8);
  std::uniform_real_distribution<double> mantissa(-1.0, 1.0);
  std::uniform_int_distribution<int> exponent(-1000, 1000);
  for (int i = 0; i < 20000; ++i) {
    double x = std::ldexp(mantissa(rng), exponent(rng));
    double y = std::ldexp(mantissa(rng), exponent(rng) / 4);
    INFO(x << " rem " << y);
    REQUIRE(same(valijson::remainder(x, y), expected(x, y)));
  }
}

TEST_CASE("a schema's multipleOf with a fractional divisor accepts multiples and refuses the rest") {
  auto dir = std::filesystem::temp_directory_path() / ("mr-multipleof-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "half.json") << R"({"type": "object", "properties": {"n": {"multipleOf": 0.5}}})";
  auto loaded = mr::oci::Schema::load(dir.string(), "half.json");
  std::filesystem::remove_all(dir);
  REQUIRE(loaded);
  const auto& schema = *loaded;
  CHECK(schema.validate(nlohmann::json::parse(R"({"n": 3.5})"), "doc.json").empty());
  CHECK(schema.validate(nlohmann::json::parse(R"({"n": -12})"), "doc.json").empty());
  auto refused = schema.validate(nlohmann::json::parse(R"({"n": 3.3})"), "doc.json");
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].message().find("/n") != std::string::npos);
}
