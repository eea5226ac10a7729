// libFuzzer entry point for ParseWebhook, the first code to touch untrusted bytes.
// Beyond "no crash, no sanitizer report", it checks what webhook_parser.h promises:
// an error is kInvalidInput with a short one-line UTF-8 message; a success has version
// "4", an alertname and a bounded fingerprint on every alert, valid UTF-8 without NUL
// in every label, and is a document RapidJSON's own DOM parser accepts too.
// Each input is parsed twice: with the default limits and with tight ones, so the
// limit paths are reached without megabyte inputs.
#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "alert/webhook_parser.h"

namespace {

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

bool IsUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto b0 = static_cast<unsigned char>(s[i]);
    size_t n;
    uint32_t cp, min;
    if (b0 < 0x80) {
      ++i;
      continue;
    } else if ((b0 & 0xE0) == 0xC0) {
      n = 2, cp = b0 & 0x1F, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
      n = 3, cp = b0 & 0x0F, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
      n = 4, cp = b0 & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

bool IsCleanText(std::string_view s) { return IsUtf8(s) && s.find('\0') == std::string_view::npos; }

void CheckLabels(const selfheal::LabelSet& labels, const selfheal::ParseLimits& limits) {
  Check(labels.size() <= limits.max_labels, "label count within limit");
  for (const auto& [name, value] : labels) {
    Check(!name.empty() && name.size() <= limits.max_name_bytes, "label name size");
    Check(value.size() <= limits.max_value_bytes, "label value size");
    Check(IsCleanText(name) && IsCleanText(value), "label is UTF-8 without NUL");
  }
}

void ParseAndCheck(std::string_view body, const selfheal::ParseLimits& limits) {
  selfheal::Expected<selfheal::Webhook> result = selfheal::ParseWebhook(body, limits);
  if (!result.ok()) {
    const selfheal::Error& error = result.error();
    Check(error.code == selfheal::Errc::kInvalidInput, "errors are kInvalidInput");
    Check(!error.message.empty() && error.message.size() < 1024, "message size");
    for (char c : error.message) {
      Check(static_cast<unsigned char>(c) >= 0x20 && c != 0x7F, "message has no control bytes");
    }
    Check(IsUtf8(error.message), "message is UTF-8");
    return;
  }
  const selfheal::Webhook& webhook = result.value();
  Check(webhook.version == "4", "version is 4");
  Check(webhook.alerts.size() <= limits.max_alerts, "alert count within limit");
  Check(webhook.truncated_alerts >= 0, "truncatedAlerts non-negative");
  Check(IsCleanText(webhook.receiver) && IsCleanText(webhook.group_key) &&
            IsCleanText(webhook.external_url),
        "top-level strings are UTF-8 without NUL");
  CheckLabels(webhook.group_labels, limits);
  CheckLabels(webhook.common_labels, limits);
  CheckLabels(webhook.common_annotations, limits);
  for (const selfheal::Alert& alert : webhook.alerts) {
    Check(!alert.alertname().empty(), "alertname present");
    Check(!alert.fingerprint.empty() && alert.fingerprint.size() <= 64, "fingerprint size");
    Check(IsCleanText(alert.fingerprint) && IsCleanText(alert.generator_url),
          "alert strings are UTF-8 without NUL");
    if (alert.starts_at_text != "0001-01-01T00:00:00Z") {
      Check(selfheal::ParseRfc3339(alert.starts_at_text) == alert.starts_at, "startsAt text");
    }
    CheckLabels(alert.labels, limits);
    CheckLabels(alert.annotations, limits);
  }
  // Accepted input is at most max_depth deep, so the recursive DOM parser is safe here.
  std::string copy(body);
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(copy.c_str());
  Check(!doc.HasParseError() && doc.IsObject(), "RapidJSON's DOM accepts it too");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  ParseAndCheck(body, selfheal::ParseLimits{});
  selfheal::ParseLimits tight;
  tight.max_alerts = 2;
  tight.max_labels = 3;
  tight.max_name_bytes = 12;
  tight.max_value_bytes = 40;
  tight.max_depth = 5;
  ParseAndCheck(body, tight);
  return 0;
}
