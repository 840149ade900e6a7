#include <doctest/doctest.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "netns/journal.hpp"
#include "support/unit/unit_temp_dir.hpp"

using namespace mr;
using namespace mr::netns;
using namespace mr::test;

namespace {

}  // namespace

TEST_CASE("a journal written by one object is read back by another") {
  TempDir dir;
  std::string path = dir.path() + "/j";
  {
    auto j = Journal::open(path);
    REQUIRE(j);
    CHECK(j->entries().empty());
    CHECK_FALSE(std::filesystem::exists(path));  // created on the first record only
    CHECK(*j->record(DeleteVeth{"mrhost-0", "eth0"}) == 1);
    CHECK(*j->record(DeleteMacvlan{"mv0"}) == 2);
    CHECK(*j->record(DeleteMacvlan{"mv1"}) == 3);
    REQUIRE(j->arrived(1, "eth0"));
    REQUIRE(j->done(2));
    REQUIRE(j->done(2));  // twice is once
  }
  CHECK(read_file(path).starts_with("mr-journal 1\n"));
  auto j = Journal::open(path);
  REQUIRE(j);
  REQUIRE(j->entries().size() == 3);
  CHECK(j->entries()[0].arrived_name == "eth0");
  CHECK(j->entries()[1].done);
  auto pending = j->pending();
  REQUIRE(pending.size() == 2);
  CHECK(pending[0]->seq == 3);  // newest first
  CHECK(pending[1]->seq == 1);
  CHECK(*j->record(DeleteMacvlan{"mv2"}) == 4);  // numbering goes on
}

TEST_CASE("a last line torn by a crash is dropped, and the next record starts a line of its own") {
  TempDir dir;
  std::string path = dir.path() + "/j";
  {
    auto j = Journal::open(path);
    REQUIRE(j);
    REQUIRE(j->record(DeleteMacvlan{"mv0"}));
  }
  std::string whole = read_file(path);
  auto torn = encode_journal_line(StepRecord{2, DeleteMacvlan{"mv1"}});
  write_file(path, whole + torn.substr(0, torn.size() / 2));
  {
    auto j = Journal::open(path);
    REQUIRE(j);
    CHECK(j->entries().size() == 1);
    CHECK(*j->record(DeleteMacvlan{"mv9"}) == 2);
  }
  auto j = Journal::open(path);
  REQUIRE(j);
  REQUIRE(j->entries().size() == 2);
  CHECK(std::get<DeleteMacvlan>(j->entries()[1].step).ctr_name == "mv9");
}

TEST_CASE("a damaged journal is refused with its line number") {
  TempDir dir;
  std::string path = dir.path() + "/j";
  {
    auto j = Journal::open(path);
    REQUIRE(j);
    REQUIRE(j->record(DeleteMacvlan{"mv0"}));
    REQUIRE(j->record(DeleteMacvlan{"mv1"}));
  }
  std::string text = read_file(path);
  SUBCASE("a flipped byte in the middle") {
    text[text.find("mv0")] = 'n';
    write_file(path, text);
    auto j = Journal::open(path);
    REQUIRE_FALSE(j);
    CHECK(j.error().message().find("line 2") != std::string::npos);
    CHECK(j.error().message().find("checksum") != std::string::npos);
  }
  SUBCASE("not a journal") {
    write_file(path, "{\"json\": true}\n");
    auto j = Journal::open(path);
    REQUIRE_FALSE(j);
    CHECK(j.error().message().find("line 1") != std::string::npos);
  }
  SUBCASE("a record for a step that was never recorded") {
    write_file(path, text + encode_journal_line(Done{9}));
    auto j = Journal::open(path);
    REQUIRE_FALSE(j);
    CHECK(j.error().message().find("line 4") != std::string::npos);
  }
  SUBCASE("an empty file is an empty journal") {
    write_file(path, "");
    auto j = Journal::open(path);
    REQUIRE(j);
    CHECK(j->entries().empty());
    REQUIRE(j->record(DeleteMacvlan{"mv0"}));
    CHECK(read_file(path).starts_with("mr-journal 1\n"));
  }
}
