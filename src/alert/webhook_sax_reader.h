// webhook_sax_reader.h — the RapidJSON SAX reader behind ParseWebhook (see the notes
// in webhook_sax_reader.cpp); internal to webhook_parser.cpp.
#pragma once

#include <rapidjson/reader.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "alert/alert.h"
#include "alert/webhook_fields.h"
#include "alert/webhook_parser.h"
#include "common/time.h"

namespace selfheal {

// Reads one webhook payload, event by event, into a Webhook. Each callback returns
// false to stop the reader, after Fail() has recorded the message (see error()).
class WebhookSaxReader {
 public:
  explicit WebhookSaxReader(const ParseLimits& limits) : limits_(limits) {}

  bool Null();
  bool Bool(bool);
  bool Int(int i);
  bool Uint(unsigned u);
  bool Int64(int64_t i);
  bool Uint64(uint64_t u);
  bool Double(double);
  bool RawNumber(const char*, rapidjson::SizeType, bool);
  bool String(const char* data, rapidjson::SizeType size, bool);
  bool Key(const char* data, rapidjson::SizeType size, bool);
  bool StartObject();
  bool EndObject(rapidjson::SizeType);
  bool StartArray();
  bool EndArray(rapidjson::SizeType);

  // Where the reader is: the innermost field entered, "body" outside any field.
  std::string Path() const;

  bool done() const { return ctx_ == Ctx::kDone; }
  std::string& error() { return error_; }
  Webhook& webhook() { return webhook_; }

 private:
  using Field = webhook_fields::Field;

  enum class Ctx : uint8_t { kRoot, kTop, kAlerts, kAlert, kMap, kDone };

  bool Fail(std::string message);
  bool TypeError(const char* got);

  // --- scalars ---

  bool Scalar(const char* got);
  bool Integer(int64_t value, bool fits);

  // Checks a string that is kept: its size, and the bytes that cannot go on to an
  // environment variable or a journal field. `what` prefixes the complaint ("name ").
  bool CheckText(std::string_view s, size_t max_bytes, const char* what);
  bool Keep(std::string_view s, std::string* out);
  bool ReadStatus(std::string_view s, AlertStatus* out);
  bool ReadTime(std::string_view s, TimePoint* out);
  bool TopString(std::string_view s);
  bool AlertString(std::string_view s);

  // --- keys ---

  bool FieldKey(std::string_view key, Field field, uint32_t* seen);
  bool LabelKey(std::string_view name);

  // --- containers ---

  bool EnterContainer();
  bool StartSkip();
  bool EndSkip();
  bool OverAlertLimit() const;

  // Alerts beyond the limit are skipped but counted, so the message can say how many.
  bool CountElement();
  bool OpenMap(LabelSet* map);
  bool CloseMap();
  bool CloseAlert();
  bool CloseTop();

  // --- paths ---

  void AppendField(std::string* path, Field f) const;
  std::string AlertPath() const;
  std::string MapPath() const;

  const ParseLimits& limits_;
  Webhook webhook_;
  std::string error_;

  Ctx ctx_ = Ctx::kRoot;
  Field field_ = Field::kNone;  // the member being read in kTop/kAlert, the map's in kMap
  std::string unknown_key_;     // when field_ == kUnknown
  uint32_t seen_top_ = 0;       // Bit(field) of members read, to find missing and repeated
  uint32_t seen_alert_ = 0;
  size_t elements_ = 0;    // alerts[] elements finished, including skipped ones
  size_t depth_ = 0;       // open objects and arrays
  size_t skip_depth_ = 0;  // open objects and arrays inside a skipped value

  LabelSet* map_ = nullptr;  // in kMap: the map being filled
  Ctx map_parent_ = Ctx::kTop;
  LabelSet::iterator label_;  // in kMap: the entry whose value comes next
  bool label_pending_ = false;
};

}  // namespace selfheal
