#include "netns/journal_format.hpp"

#include <cstdio>
#include <type_traits>
#include <utility>

#include "base/fnv.hpp"
#include "netns/journal_codec.hpp"

namespace mr::netns {

namespace {

std::string hex32(uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

// A step's record, by the recipe of its kind (device_*.cpp): its fields, then its name.
std::string encode_step(const UndoStep& step, RecordFields& f) {
  return std::visit(
      [&](const auto& record) {
        encode_record(record, f);
        return std::string(std::decay_t<decltype(record)>::kRecord);
      },
      step);
}

// The recipe whose record is named `p.op` decodes it.
template <size_t I = 0>
Result<UndoStep> decode_step(const ParsedRecord& p) {
  if constexpr (I == std::variant_size_v<UndoStep>) {
    return fail(EINVAL, "unknown record \"" + p.op + "\"");
  } else {
    using Record = std::variant_alternative_t<I, UndoStep>;
    if (p.op != Record::kRecord) return decode_step<I + 1>(p);
    auto record = MR_TRY_VALUE(decode_record(p, std::type_identity<Record>{}));
    return UndoStep(std::move(record));
  }
}

Result<Leased> decode_leased(const ParsedRecord& p) {
  Leased l;
  l.seq = MR_TRY_VALUE(p.num<uint64_t>("seq"));
  l.cookie = MR_TRY_VALUE(p.num<uint64_t>("cookie"));
  l.ifindex = MR_TRY_VALUE(p.num<int>("index"));
  if (l.ifindex <= 0) return fail(EINVAL, "bad ifindex");
  l.role = MR_TRY_VALUE(parse_lease_role(MR_TRY_VALUE(p.one("role"))));
  l.device = MR_TRY_VALUE(p.name("dev"));
  return l;
}

Result<JournalLine> decode_body(const ParsedRecord& p) {
  if (p.op == "done") return JournalLine(Done{MR_TRY_VALUE(p.num<uint64_t>("seq"))});
  if (p.op == "lease") return JournalLine(MR_TRY_VALUE(decode_leased(p)));
  if (p.op == "arrived")
    return JournalLine(Arrived{MR_TRY_VALUE(p.num<uint64_t>("seq")), MR_TRY_VALUE(p.name("ctr"))});
  StepRecord rec;
  rec.seq = MR_TRY_VALUE(p.num<uint64_t>("seq"));
  rec.step = MR_TRY_VALUE(decode_step(p));
  return JournalLine(std::move(rec));
}

}  // namespace

std::string encode_journal_line(const JournalLine& line) {
  RecordFields f;
  std::string op;
  if (auto* rec = std::get_if<StepRecord>(&line)) {
    f.add("seq", rec->seq);
    op = encode_step(rec->step, f);
  } else if (auto* a = std::get_if<Arrived>(&line)) {
    f.add("seq", a->seq);
    f.add("ctr", a->ctr_name);
    op = "arrived";
  } else if (auto* l = std::get_if<Leased>(&line)) {
    f.add("seq", l->seq);
    f.add("cookie", l->cookie);
    f.add("index", static_cast<uint64_t>(l->ifindex));
    f.add("role", to_string(l->role));
    f.add("dev", l->device);
    op = "lease";
  } else {
    f.add("seq", std::get<Done>(line).seq);
    op = "done";
  }
  std::string body = op + f.text();
  return hex32(fnv1a(body)) + " " + body + "\n";
}

Result<JournalLine> decode_journal_line(std::string_view line) {
  if (line.size() < 10 || line[8] != ' ') return fail(EINVAL, "record without a checksum");
  auto body = line.substr(9);
  if (hex32(fnv1a(body)) != line.substr(0, 8)) return fail(EINVAL, "checksum mismatch");
  auto parsed = MR_TRY_VALUE(parse_record(body));
  auto decoded = decode_body(parsed);
  // Values are unescaped before they are parsed, and a parser's error quotes what it
  // was given: a control byte there must not split the error's line (fuzz/journal_fuzzer).
  if (!decoded)
    for (char& c : decoded.error().context)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return decoded;
}

std::string describe(const UndoStep& step) {
  return std::visit([](const auto& record) { return describe(record); }, step);
}

}  // namespace mr::netns
