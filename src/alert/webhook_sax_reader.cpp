// Implementation notes: one pass of RapidJSON's SAX reader straight into the Webhook,
// with no DOM in between, so each string is copied once, from the reader's buffer into
// its final std::string. The payload has a fixed shape (top object → alerts array →
// alert object → label maps), so the reader keeps a context and the field it is
// reading instead of a stack of its own; values of unknown fields are skipped by
// counting brackets.
//
// Depth: RapidJSON's iterative parser keeps its state on the heap, and the reader
// refuses the open bracket that would exceed max_depth, so neither the C++ stack nor the
// heap grows with nesting.
//
// Error paths: every message starts with Path(), the field being read, so it names
// the field; ParseWebhook uses Path() too for RapidJSON's own errors.
//
// A lone low-surrogate escape ("\udc00") decodes, in RapidJSON 1.1.0, to bytes that
// are not UTF-8: TextProblem refuses them in every string that is kept.
#include "alert/webhook_sax_reader.h"

#include <cassert>
#include <limits>
#include <string>

#include "alert/webhook_values.h"
#include "common/expected.h"

namespace selfheal {
namespace {

constexpr size_t kMaxFingerprintBytes = 64;

std::string Quote(std::string_view text) { return QuoteValue(text); }

}  // namespace

using namespace webhook_fields;  // NOLINT: the reader speaks in fields throughout

bool WebhookSaxReader::Null() { return Scalar("null"); }

bool WebhookSaxReader::Bool(bool) { return Scalar("a boolean"); }

bool WebhookSaxReader::Int(int i) { return Integer(i, true); }

bool WebhookSaxReader::Uint(unsigned u) { return Integer(u, true); }

bool WebhookSaxReader::Int64(int64_t i) { return Integer(i, true); }

bool WebhookSaxReader::Uint64(uint64_t u) {
  bool fits = u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  return Integer(fits ? static_cast<int64_t>(u) : 0, fits);
}

bool WebhookSaxReader::Double(double) { return Scalar("a number"); }

bool WebhookSaxReader::RawNumber(const char*, rapidjson::SizeType, bool) {
  return Scalar("a number");
}

bool WebhookSaxReader::String(const char* data, rapidjson::SizeType size, bool) {
  if (skip_depth_ > 0) return true;
  std::string_view s(data, size);
  switch (ctx_) {
    case Ctx::kTop:
      return TopString(s);
    case Ctx::kAlert:
      return AlertString(s);
    case Ctx::kMap:
      if (!CheckText(s, limits_.max_value_bytes, "")) return false;
      label_->second.assign(s);
      label_pending_ = false;
      return true;
    case Ctx::kAlerts:
      if (OverAlertLimit()) return CountElement();
      [[fallthrough]];
    default:
      return TypeError("a string");
  }
}

bool WebhookSaxReader::Key(const char* data, rapidjson::SizeType size, bool) {
  if (skip_depth_ > 0) return true;
  std::string_view s(data, size);
  switch (ctx_) {
    case Ctx::kTop:
      return FieldKey(s, Lookup(kTopFields, s), &seen_top_);
    case Ctx::kAlert:
      return FieldKey(s, Lookup(kAlertFields, s), &seen_alert_);
    case Ctx::kMap:
      return LabelKey(s);
    default:
      assert(false && "the reader sends keys only inside objects");
      return false;
  }
}

bool WebhookSaxReader::StartObject() {
  if (!EnterContainer()) return false;
  if (skip_depth_ > 0) return ++skip_depth_, true;
  switch (ctx_) {
    case Ctx::kRoot:
      ctx_ = Ctx::kTop;
      return true;
    case Ctx::kTop:
      if (field_ == kGroupLabels) return OpenMap(&webhook_.group_labels);
      if (field_ == kCommonLabels) return OpenMap(&webhook_.common_labels);
      if (field_ == kCommonAnnotations) return OpenMap(&webhook_.common_annotations);
      break;
    case Ctx::kAlerts:
      if (OverAlertLimit()) return StartSkip();
      webhook_.alerts.emplace_back();
      seen_alert_ = 0;
      field_ = kNone;
      ctx_ = Ctx::kAlert;
      return true;
    case Ctx::kAlert:
      if (field_ == kLabels) return OpenMap(&webhook_.alerts.back().labels);
      if (field_ == kAnnotations) return OpenMap(&webhook_.alerts.back().annotations);
      break;
    default:
      break;
  }
  if (field_ == kUnknown && (ctx_ == Ctx::kTop || ctx_ == Ctx::kAlert)) return StartSkip();
  return TypeError("an object");
}

bool WebhookSaxReader::EndObject(rapidjson::SizeType) {
  --depth_;
  if (skip_depth_ > 0) return EndSkip();
  switch (ctx_) {
    case Ctx::kTop:
      return CloseTop();
    case Ctx::kAlert:
      return CloseAlert();
    case Ctx::kMap:
      return CloseMap();
    default:
      assert(false && "unbalanced EndObject");
      return false;
  }
}

bool WebhookSaxReader::StartArray() {
  if (!EnterContainer()) return false;
  if (skip_depth_ > 0) return ++skip_depth_, true;
  if (ctx_ == Ctx::kTop && field_ == kAlerts) {
    ctx_ = Ctx::kAlerts;
    elements_ = 0;
    return true;
  }
  if (ctx_ == Ctx::kAlerts && OverAlertLimit()) return StartSkip();
  if (field_ == kUnknown && (ctx_ == Ctx::kTop || ctx_ == Ctx::kAlert)) return StartSkip();
  return TypeError("an array");
}

bool WebhookSaxReader::EndArray(rapidjson::SizeType) {
  --depth_;
  if (skip_depth_ > 0) return EndSkip();
  assert(ctx_ == Ctx::kAlerts);
  if (elements_ > limits_.max_alerts) {
    return Fail("alerts: " + std::to_string(elements_) + " alerts, more than the limit of " +
                std::to_string(limits_.max_alerts));
  }
  ctx_ = Ctx::kTop;
  field_ = kNone;
  return true;
}

std::string WebhookSaxReader::Path() const {
  std::string path;
  switch (ctx_) {
    case Ctx::kRoot:
    case Ctx::kDone:
      return "body";
    case Ctx::kTop:
      if (field_ == kNone) return "body";
      AppendField(&path, field_);
      return path;
    case Ctx::kAlerts:
      return AlertPath();
    case Ctx::kAlert:
      path = AlertPath();
      if (field_ != kNone) AppendField(&path, field_);
      return path;
    case Ctx::kMap:
      path = MapPath();
      if (label_pending_) AppendPathSegment(&path, label_->first);
      return path;
  }
  return "body";
}

bool WebhookSaxReader::Fail(std::string message) {
  error_ = std::move(message);
  return false;
}

bool WebhookSaxReader::TypeError(const char* got) {
  const char* expected = "a string";
  if (ctx_ == Ctx::kRoot || ctx_ == Ctx::kAlerts) {
    expected = "an object";
  } else if (ctx_ != Ctx::kMap) {
    switch (field_) {
      case kAlerts:
        expected = "an array";
        break;
      case kGroupLabels:
      case kCommonLabels:
      case kCommonAnnotations:
      case kLabels:
      case kAnnotations:
        expected = "an object";
        break;
      case kTruncatedAlerts:
        expected = "a non-negative integer";
        break;
      default:
        break;
    }
  }
  return Fail(Path() + ": expected " + expected + ", got " + got);
}

// --- scalars ---

bool WebhookSaxReader::Scalar(const char* got) {
  if (skip_depth_ > 0) return true;
  if (ctx_ == Ctx::kAlerts && OverAlertLimit()) return CountElement();
  if (field_ == kUnknown && (ctx_ == Ctx::kTop || ctx_ == Ctx::kAlert)) {
    field_ = kNone;
    return true;
  }
  return TypeError(got);
}

bool WebhookSaxReader::Integer(int64_t value, bool fits) {
  if (skip_depth_ > 0 || ctx_ != Ctx::kTop || field_ != kTruncatedAlerts) {
    return Scalar("a number");
  }
  if (!fits) return Fail(Path() + ": out of range");
  if (value < 0) {
    return Fail(Path() + ": expected a non-negative integer, got " + std::to_string(value));
  }
  webhook_.truncated_alerts = value;
  field_ = kNone;
  return true;
}

bool WebhookSaxReader::CheckText(std::string_view s, size_t max_bytes, const char* what) {
  const std::string problem = TextProblem(s, max_bytes, what);
  return problem.empty() || Fail(Path() + ": " + problem);
}

bool WebhookSaxReader::Keep(std::string_view s, std::string* out) {
  if (!CheckText(s, limits_.max_value_bytes, "")) return false;
  out->assign(s);
  return true;
}

bool WebhookSaxReader::ReadStatus(std::string_view s, AlertStatus* out) {
  Expected<AlertStatus> status = ParseAlertStatus(s);
  if (!status.ok()) return Fail(Path() + ": " + status.error().message);
  *out = status.value();
  return true;
}

bool WebhookSaxReader::ReadTime(std::string_view s, TimePoint* out) {
  Expected<TimePoint> time = ParseAlertTime(s);
  if (!time.ok()) return Fail(Path() + ": " + time.error().message);
  *out = time.value();
  return true;
}

bool WebhookSaxReader::TopString(std::string_view s) {
  bool ok = true;
  switch (field_) {
    case kUnknown:
      break;
    case kVersion:
      if (s != "4") return Fail(Path() + ": unsupported version " + Quote(s) + ", expected '4'");
      webhook_.version = "4";
      break;
    case kStatus:
      ok = ReadStatus(s, &webhook_.status);
      break;
    case kReceiver:
      ok = Keep(s, &webhook_.receiver);
      break;
    case kGroupKey:
      ok = Keep(s, &webhook_.group_key);
      break;
    case kExternalUrl:
      ok = Keep(s, &webhook_.external_url);
      break;
    case kNotificationReason:
      ok = Keep(s, &webhook_.notification_reason);
      break;
    default:
      return TypeError("a string");
  }
  field_ = kNone;
  return ok;
}

bool WebhookSaxReader::AlertString(std::string_view s) {
  Alert& alert = webhook_.alerts.back();
  bool ok = true;
  switch (field_) {
    case kUnknown:
      break;
    case kAlertStatus:
      ok = ReadStatus(s, &alert.status);
      break;
    case kStartsAt:
      ok = ReadTime(s, &alert.starts_at);
      if (ok) alert.starts_at_text.assign(s);
      break;
    case kEndsAt:
      ok = ReadTime(s, &alert.ends_at);
      if (ok) alert.ends_at_text.assign(s);
      break;
    case kGeneratorUrl:
      ok = Keep(s, &alert.generator_url);
      break;
    case kFingerprint:
      if (s.empty()) return Fail(Path() + ": must not be empty");
      ok = CheckText(s, kMaxFingerprintBytes, "");
      if (ok) alert.fingerprint.assign(s);
      break;
    default:
      return TypeError("a string");
  }
  field_ = kNone;
  return ok;
}

// --- keys ---

bool WebhookSaxReader::FieldKey(std::string_view key, Field field, uint32_t* seen) {
  field_ = field;
  if (field == kUnknown) {
    // Kept only to name the member in a message; its first bytes are enough.
    unknown_key_.assign(key.substr(0, kQuoteBytes + 1));
    return true;
  }
  // A second "labels" would silently merge or replace the first; JSON parsers
  // disagree on which wins, so neither does.
  if (*seen & Bit(field)) return Fail(Path() + ": duplicate key");
  *seen |= Bit(field);
  return true;
}

bool WebhookSaxReader::LabelKey(std::string_view name) {
  if (name.empty()) return Fail(Path() + ": empty name");
  if (!CheckText(name, limits_.max_name_bytes, "name ")) return false;
  if (map_->size() >= limits_.max_labels) {
    bool annotations = field_ == kAnnotations || field_ == kCommonAnnotations;
    return Fail(Path() + ": more than " + std::to_string(limits_.max_labels) +
                (annotations ? " annotations" : " labels"));
  }
  auto [it, inserted] = map_->try_emplace(std::string(name));
  label_ = it;
  label_pending_ = true;
  if (!inserted) return Fail(Path() + ": duplicate name");
  return true;
}

// --- containers ---

bool WebhookSaxReader::EnterContainer() {
  if (depth_ >= limits_.max_depth) {
    return Fail(Path() + ": nested deeper than " + std::to_string(limits_.max_depth) + " levels");
  }
  ++depth_;
  return true;
}

bool WebhookSaxReader::StartSkip() {
  skip_depth_ = 1;
  return true;
}

bool WebhookSaxReader::EndSkip() {
  if (--skip_depth_ > 0) return true;
  if (ctx_ == Ctx::kAlerts) return CountElement();
  field_ = kNone;
  return true;
}

bool WebhookSaxReader::OverAlertLimit() const {
  return webhook_.alerts.size() >= limits_.max_alerts;
}

bool WebhookSaxReader::CountElement() {
  ++elements_;
  return true;
}

bool WebhookSaxReader::OpenMap(LabelSet* map) {
  map_ = map;
  map_parent_ = ctx_;
  label_pending_ = false;
  ctx_ = Ctx::kMap;
  return true;
}

bool WebhookSaxReader::CloseMap() {
  label_pending_ = false;
  if (map_parent_ == Ctx::kAlert && field_ == kLabels) {
    auto it = map_->find("alertname");
    if (it == map_->end()) return Fail(MapPath() + ".alertname: missing required label");
    if (it->second.empty()) return Fail(MapPath() + ".alertname: must not be empty");
  }
  ctx_ = map_parent_;
  field_ = kNone;
  return true;
}

bool WebhookSaxReader::CloseAlert() {
  for (Field f : kRequiredAlertFields) {
    if (!(seen_alert_ & Bit(f))) {
      field_ = f;
      return Fail(Path() + ": missing required field");
    }
  }
  ctx_ = Ctx::kAlerts;
  return CountElement();
}

bool WebhookSaxReader::CloseTop() {
  for (Field f : kRequiredTopFields) {
    if (!(seen_top_ & Bit(f))) {
      field_ = f;
      return Fail(Path() + ": missing required field");
    }
  }
  ctx_ = Ctx::kDone;
  return true;
}

// --- paths ---

void WebhookSaxReader::AppendField(std::string* path, Field f) const {
  if (f == kUnknown) {
    AppendPathSegment(path, unknown_key_);
  } else {
    if (!path->empty()) *path += '.';
    path->append(kFieldNames[f]);
  }
}

std::string WebhookSaxReader::AlertPath() const {
  return "alerts[" + std::to_string(elements_) + "]";
}

std::string WebhookSaxReader::MapPath() const {
  std::string path = map_parent_ == Ctx::kAlert ? AlertPath() : std::string();
  AppendField(&path, field_);
  return path;
}

}  // namespace selfheal
