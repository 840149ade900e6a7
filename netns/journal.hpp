// The undo journal of one container's network: a file of records, each appended and
// flushed to disk BEFORE the change it undoes is made, so that whatever a crash leaves
// behind, a later process can read the file and undo it (see teardown.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "netns/journal_format.hpp"
#include "base/unique_fd.hpp"

namespace mr::netns {

struct JournalEntry {
  uint64_t seq = 0;
  UndoStep step;
  std::optional<std::string> arrived_name;  // a moved device's final container name
  std::optional<Leased> lease;              // the host device lease it holds, if any
  bool done = false;                        // undone, or the change never happened
};

class Journal {
 public:
  // The journal at `path`, read back if the file exists; a missing or empty file is an
  // empty journal (created on the first record). A final line cut short by a crash is
  // dropped: its change was never started, since records are flushed first. Any other
  // damaged line is an error naming the line, since undoing blindly could hit the wrong
  // device.
  static Result<Journal> open(std::string path);

  // Appends a step and flushes it (fdatasync) before returning its sequence number.
  Result<uint64_t> record(UndoStep step);
  Result<void> arrived(uint64_t seq, std::string ctr_name);
  // Marks a step as needing no undo any more.
  Result<void> done(uint64_t seq);
  // Records the lease a step is about to take (lease.hpp).
  Result<void> leased(Leased lease);

  const std::vector<JournalEntry>& entries() const { return entries_; }
  // Steps still to undo, newest first.
  std::vector<const JournalEntry*> pending() const;
  const std::string& path() const { return path_; }

 private:
  explicit Journal(std::string path) : path_(std::move(path)) {}
  Result<void> apply_line(const JournalLine& line);
  Result<void> append(const JournalLine& line);
  Result<void> open_for_append();
  JournalEntry* find(uint64_t seq);

  std::string path_;
  std::vector<JournalEntry> entries_;
  uint64_t next_seq_ = 1;
  UniqueFd fd_;
  uint64_t valid_size_ = 0;  // bytes of whole lines; anything after is a torn last line
};

// Lets go of the lease that step `seq` of `journal` holds, if it holds one (the step is
// done: undone, or its change never made).
Result<void> release_lease(Leases& leases, const Journal& journal, uint64_t seq);

}  // namespace mr::netns
