// The interface every device recipe implements (device_moved, device_veth,
// device_macvlan): a kind's header defines its config and its journal record, then
// declares its recipe with MR_NETNS_DEVICE_RECIPE(Config, Record); its .cpp defines the
// eight functions, side by side. device_recipe.hpp holds what they are handed.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "base/error.hpp"
#include "netns/link.hpp"
#include "netns/link_origin.hpp"

namespace mr::netns {

struct AppliedDevice;
struct DeviceConfig;
struct ExportedDevice;
struct LentPlaces;
struct ParsedRecord;
class CreateContext;
class NlSocket;
class RecordFields;
class UndoContext;

}  // namespace mr::netns

// create_device: makes the device (apply(), apply_device()), recording `Record` in the
//   journal before the change it undoes; `position` is the device's place in its config.
// encode_record / decode_record: the record's fields in the journal (journal_codec.hpp);
//   `Record::kRecord` names the line. The text of a record once written never changes.
// describe: the step in a message ("delete veth vh0").
// undo_device: undoes the record, idempotent; changes only what link_proof.hpp proves
//   to be what the record made, and warns (UndoContext::warn) of what is not as recorded.
// find_live: the container link the record stands for, found by its proof; none if not
//   there. origin_of: its host side for `net show` (`Record::kSource` marks it).
// export_device: the link as a DeviceConfig for `net export` (device_export.hpp).
#define MR_NETNS_DEVICE_RECIPE(Config, Record)                                                               \
  Result<AppliedDevice> create_device(const DeviceConfig& d, const Config& kind, size_t position,            \
                                      CreateContext& c);                                                    \
  void encode_record(const Record& r, RecordFields& f);                                                     \
  Result<Record> decode_record(const ParsedRecord& p, std::type_identity<Record>);                          \
  std::string describe(const Record& r);                                                                    \
  Result<void> undo_device(const Record& r, UndoContext& c);                                                \
  Result<std::optional<LinkInfo>> find_live(const Record& r, LentPlaces& at);                               \
  Result<LinkOrigin> origin_of(const Record& r, NlSocket& host, const LinkInfo& link);                      \
  ExportedDevice export_device(const ShownLink& l, std::type_identity<Record>)
