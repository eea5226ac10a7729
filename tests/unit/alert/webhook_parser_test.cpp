#include "alert/webhook_parser.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "fixtures.h"

namespace selfheal {
namespace {

// ---------------------------------------------------------------------------------
// Helpers.

using fixtures::ReadBytes;

std::string Fixture(const std::string& name) { return fixtures::Read(name); }

std::vector<std::filesystem::path> JsonFixtures() { return fixtures::WithExtension(".json"); }

Webhook ParseOk(std::string_view body, const ParseLimits& limits = {}) {
  Expected<Webhook> result = ParseWebhook(body, limits);
  EXPECT_TRUE(result.ok()) << result.error().message;
  return result.ok() ? std::move(result).value() : Webhook{};
}

TimePoint Time(std::string_view text) {
  std::optional<TimePoint> t = ParseRfc3339(text);
  EXPECT_TRUE(t) << text;
  return t.value_or(TimePoint{});
}

std::string Repeat(std::string_view piece, size_t times) {
  std::string out;
  for (size_t i = 0; i < times; ++i) out += piece;
  return out;
}

// Returns `text` with the first `from` replaced by `to`. A table row whose edit does
// not apply would test nothing, so it is made to fail loudly instead.
std::string Edit(std::string text, std::string_view from, std::string_view to) {
  size_t pos = text.find(from);
  if (pos == std::string::npos) return "EDIT DID NOT APPLY: " + std::string(from);
  return text.replace(pos, from.size(), to);
}

// A small valid payload in Alertmanager's key order, for edits.
const std::string kLabels = R"("labels":{"alertname":"DiskSpaceLow","instance":"web-1:9100"},)";
const std::string kAlert =
    R"({"status":"firing",)" + kLabels +
    R"("annotations":{"summary":"low"},"startsAt":"2026-11-22T01:25:02.807Z",)"
    R"("endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prom/graph",)"
    R"("fingerprint":"82cf4c324f050464"})";

std::string Body(const std::string& alerts = kAlert) {
  return R"({"receiver":"r","status":"firing","alerts":[)" + alerts +
         R"(],"groupLabels":{"alertname":"DiskSpaceLow"},"commonLabels":{},)"
         R"("commonAnnotations":{},"externalURL":"http://am","version":"4",)"
         R"("groupKey":"{}:{}","truncatedAlerts":0})";
}

std::string WithLabels(const std::string& labels_json) {
  return Body(Edit(kAlert, kLabels, R"("labels":)" + labels_json + ","));
}

std::string WithInstance(const std::string& json_value) {
  return WithLabels(R"({"alertname":"A","instance":)" + json_value + "}");
}

std::string ManyEntries(size_t count) {
  std::string out = R"({"alertname":"A")";
  for (size_t i = 0; i < count - 1; ++i) out += ",\"l" + std::to_string(i) + "\":\"v\"";
  return out + "}";
}

std::string AlertList(size_t count) {
  std::string out = kAlert;
  for (size_t i = 1; i < count; ++i) out += "," + kAlert;
  return out;
}

// ---------------------------------------------------------------------------------
// Captured fixtures.

TEST(ParseWebhookTest, AcceptsEveryCapturedFixture) {
  std::vector<std::filesystem::path> fixtures = JsonFixtures();
  ASSERT_GE(fixtures.size(), 21u);
  for (const auto& path : fixtures) {
    SCOPED_TRACE(path.filename().string());
    Expected<Webhook> result = ParseWebhook(ReadBytes(path.string()));
    ASSERT_TRUE(result.ok()) << result.error().message;
    const Webhook& webhook = result.value();
    EXPECT_EQ(webhook.version, "4");
    EXPECT_FALSE(webhook.receiver.empty());
    EXPECT_FALSE(webhook.group_key.empty());
    ASSERT_FALSE(webhook.alerts.empty());
    for (const Alert& alert : webhook.alerts) {
      EXPECT_FALSE(alert.alertname().empty());
      EXPECT_EQ(alert.fingerprint.size(), 16u);
      EXPECT_EQ(FormatRfc3339(alert.starts_at).substr(0, 10), "2026-11-22");
    }
  }
}

TEST(ParseWebhookTest, ReadsTheSingleFiringAlert) {
  Webhook webhook = ParseOk(Fixture("01-single-firing.json"));
  EXPECT_EQ(webhook.receiver, "selfheal-single");
  EXPECT_EQ(webhook.status, AlertStatus::kFiring);
  EXPECT_EQ(webhook.external_url, "http://127.0.0.1:19093");
  EXPECT_EQ(webhook.group_key, R"({}/{alertname="DiskSpaceLow"}:{alertname="DiskSpaceLow"})");
  EXPECT_EQ(webhook.truncated_alerts, 0);
  EXPECT_EQ(webhook.group_labels, (LabelSet{{"alertname", "DiskSpaceLow"}}));
  EXPECT_EQ(webhook.common_labels.size(), 6u);
  EXPECT_EQ(webhook.common_annotations.at("summary"), "Disk space low on web-1:9100");
  ASSERT_EQ(webhook.alerts.size(), 1u);
  const Alert& alert = webhook.alerts[0];
  EXPECT_EQ(alert.status, AlertStatus::kFiring);
  EXPECT_EQ(alert.alertname(), "DiskSpaceLow");
  EXPECT_EQ(alert.instance(), "web-1:9100");
  EXPECT_EQ(alert.labels.at("mountpoint"), "/var");
  EXPECT_EQ(alert.labels.size(), 6u);
  EXPECT_EQ(alert.annotations.at("description"), "Only 5% free on /var of web-1:9100.");
  EXPECT_EQ(alert.fingerprint, "82cf4c324f050464");
  EXPECT_EQ(alert.starts_at_text, "2026-11-22T01:25:02.807Z");
  EXPECT_EQ(alert.starts_at, Time("2026-11-22T01:25:02.807Z"));
  EXPECT_EQ(alert.ends_at, TimePoint{});  // Alertmanager's zero time: no end yet
  // "\u0026" in the payload is decoded.
  EXPECT_EQ(alert.generator_url,
            "http://127.0.0.1:19090/graph?g0.expr=probe_disk_free_ratio+%3C+0.1&g0.tab=1");
}

TEST(ParseWebhookTest, ReadsEndsAtOfAResolvedNotification) {
  Webhook webhook = ParseOk(Fixture("02-single-resolved.json"));
  EXPECT_EQ(webhook.status, AlertStatus::kResolved);
  ASSERT_EQ(webhook.alerts.size(), 1u);
  EXPECT_EQ(webhook.alerts[0].status, AlertStatus::kResolved);
  EXPECT_EQ(webhook.alerts[0].ends_at, Time("2026-11-22T01:26:57.807Z"));
  EXPECT_EQ(webhook.alerts[0].starts_at, Time("2026-11-22T01:25:02.807Z"));
  EXPECT_EQ(webhook.alerts[0].fingerprint, "82cf4c324f050464");
}

TEST(ParseWebhookTest, ReadsEveryAlertOfAGroupInOrder) {
  Webhook webhook = ParseOk(Fixture("03-group3-firing.json"));
  ASSERT_EQ(webhook.alerts.size(), 3u);
  const char* instances[] = {"web-1:8080", "web-2:8080", "web-3:8080"};
  const char* fingerprints[] = {"30e21b0b4ec3bbb3", "7ed3304ae07fcf84", "8c36b4d339e56c61"};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(webhook.alerts[i].alertname(), "ServiceDown");
    EXPECT_EQ(webhook.alerts[i].instance(), instances[i]);
    EXPECT_EQ(webhook.alerts[i].fingerprint, fingerprints[i]);
  }
  EXPECT_TRUE(webhook.common_annotations.empty());
  EXPECT_EQ(webhook.common_labels.count("instance"), 0u);
  EXPECT_EQ(webhook.truncated_alerts, 0);
}

TEST(ParseWebhookTest, ReadsHowManyAlertsAlertmanagerTruncated) {
  Webhook webhook = ParseOk(Fixture("04-group3-max1-truncated.json"));
  ASSERT_EQ(webhook.alerts.size(), 1u);
  EXPECT_EQ(webhook.alerts[0].instance(), "web-1:8080");
  EXPECT_EQ(webhook.truncated_alerts, 2);
}

// Alertmanager 0.32 added "notification_reason" (template.Data, notify.NotifyReason).
TEST(ParseWebhookTest, ReadsWhyAlertmanagerSentTheNotification) {
  for (const char* reason : {"first notification", "new alerts added", "some alerts resolved",
                             "all alerts resolved", "repeat interval elapsed", "unknown"}) {
    Webhook webhook = ParseOk(
        Edit(Body(), R"("truncatedAlerts":0)",
             R"("truncatedAlerts":0,"notification_reason":")" + std::string(reason) + "\""));
    EXPECT_EQ(webhook.notification_reason, reason);
  }
  EXPECT_EQ(ParseOk(Body()).notification_reason, "");  // older Alertmanagers send none
  EXPECT_EQ(ParseOk(Fixture("01-single-firing.json")).notification_reason, "");
}

TEST(ParseWebhookTest, PreservesUnusualLabelsFromAPrometheusRuleByteForByte) {
  Webhook webhook = ParseOk(Fixture("07-unusual-labels-rule.json"));
  ASSERT_EQ(webhook.alerts.size(), 1u);
  const LabelSet expected = {
      {"_leading_underscore", "leading underscore label name"},
      {"alertname", "WeirdLabels"},
      {"heal", "true"},
      {"html_chars", "<b>bold</b> & a<b && c>d"},
      {"instance",
       "n\xC3\xB6"
       "de 1 \"quoted\""},
      {"job", "selfheal-probe"},
      {"label_with_underscores", "value with   spaces and a\ttab"},
      {"long_value", Repeat("long-value-0123456789-", 54) + "long-value-0"},
      {"note", "line1\nline2"},
      {"path", "C:\\dir\\sub"},
      {"quotes_value", "he said \"hi\" and it's fine; backslash \\ end"},
      {"severity", "info"},
      {"trailing_underscore_", "trailing underscore label name"},
      {"unicode_value",
       "Z\xC3\xBCrich \xE2\x98\x83 \xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E "
       "\xF0\x9F\x9A\x80 \xCE\xA9mega"},
  };
  const Alert& alert = webhook.alerts[0];
  EXPECT_EQ(alert.labels, expected);
  EXPECT_EQ(alert.labels.at("long_value").size(), 1200u);
  EXPECT_EQ(alert.instance(),
            "n\xC3\xB6"
            "de 1 \"quoted\"");
  EXPECT_EQ(alert.annotations.at("summary"),
            "Weird labels on n\xC3\xB6"
            "de 1 \"quoted\": ");
  EXPECT_EQ(alert.annotations.at("description"),
            "Multi-line description.\nSecond line with \"quotes\" and <html> & ampersand.\n"
            "Third line: C:\\dir\\sub");
  EXPECT_EQ(webhook.group_labels, expected);
  EXPECT_EQ(webhook.common_labels, expected);
  EXPECT_NE(webhook.group_key.find(R"(instance="n)"
                                   "\xC3\xB6"
                                   R"(de 1 \"quoted\"")"),
            std::string::npos);
}

TEST(ParseWebhookTest, PreservesUnusualLabelsAndNanosecondsFromAmtool) {
  Webhook webhook = ParseOk(Fixture("08-unusual-labels-amtool.json"));
  ASSERT_EQ(webhook.alerts.size(), 1u);
  const Alert& alert = webhook.alerts[0];
  EXPECT_EQ(alert.labels, (LabelSet{
                              {"alertname", "AmtoolProbe"},
                              {"heal", "true"},
                              {"instance", "db 2 \"primary\""},
                              {"long_value", std::string(300, 'x')},
                              {"quotes_value", "it's \"quoted\" \\ here"},
                              {"severity", "warning"},
                              {"unicode_value",
                               "Gr\xC3\xBC\xC3\x9F"
                               "e \xF0\x9F\x9A\x91 "
                               "\xE2\x80\x93 \xC3\xB1"},
                          }));
  EXPECT_EQ(alert.annotations.at("description"), "line1\nline2");
  EXPECT_EQ(alert.annotations.at("summary"), "Added by amtool <no generator>");
  EXPECT_EQ(alert.generator_url, "");
  EXPECT_EQ(alert.starts_at_text, "2026-11-22T01:25:49.274052661Z");
  EXPECT_EQ(alert.starts_at.time_since_epoch().count() % 1000000000, 274052661);
  EXPECT_EQ(alert.starts_at, Time("2026-11-22T01:25:49.274052661Z"));
  EXPECT_EQ(alert.ends_at, TimePoint{});
}

// A second reading of the same bytes by RapidJSON's DOM, compared field by field: a
// decoding slip in the SAX reader (an escape, a byte lost at a buffer edge) shows here.
LabelSet DomLabels(const rapidjson::Value& object) {
  LabelSet labels;
  for (const auto& member : object.GetObject()) {
    labels[std::string(member.name.GetString(), member.name.GetStringLength())] =
        std::string(member.value.GetString(), member.value.GetStringLength());
  }
  return labels;
}

TEST(ParseWebhookTest, AgreesWithAnIndependentDomReadingOfEveryFixture) {
  for (const auto& path : JsonFixtures()) {
    SCOPED_TRACE(path.filename().string());
    std::string body = ReadBytes(path.string());
    Webhook webhook = ParseOk(body);
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseValidateEncodingFlag>(body.data(), body.size());
    ASSERT_FALSE(doc.HasParseError());
    EXPECT_EQ(webhook.receiver, doc["receiver"].GetString());
    EXPECT_EQ(webhook.group_key, doc["groupKey"].GetString());
    EXPECT_EQ(webhook.external_url, doc["externalURL"].GetString());
    EXPECT_EQ(webhook.truncated_alerts, doc["truncatedAlerts"].GetInt64());
    EXPECT_EQ(webhook.group_labels, DomLabels(doc["groupLabels"]));
    EXPECT_EQ(webhook.common_labels, DomLabels(doc["commonLabels"]));
    EXPECT_EQ(webhook.common_annotations, DomLabels(doc["commonAnnotations"]));
    const rapidjson::Value& alerts = doc["alerts"];
    ASSERT_EQ(webhook.alerts.size(), alerts.Size());
    for (rapidjson::SizeType i = 0; i < alerts.Size(); ++i) {
      const Alert& alert = webhook.alerts[i];
      EXPECT_EQ(AlertStatusName(alert.status), std::string(alerts[i]["status"].GetString()));
      EXPECT_EQ(alert.labels, DomLabels(alerts[i]["labels"]));
      EXPECT_EQ(alert.annotations, DomLabels(alerts[i]["annotations"]));
      EXPECT_EQ(alert.starts_at_text, alerts[i]["startsAt"].GetString());
      std::string ends_at = alerts[i]["endsAt"].GetString();
      EXPECT_EQ(alert.ends_at, ends_at == "0001-01-01T00:00:00Z" ? TimePoint{} : Time(ends_at));
      EXPECT_EQ(alert.generator_url, alerts[i]["generatorURL"].GetString());
      EXPECT_EQ(alert.fingerprint, alerts[i]["fingerprint"].GetString());
    }
  }
}

TEST(ParseWebhookTest, RejectsEveryTruncationOfACapturedPayload) {
  std::string body = Fixture("07-unusual-labels-rule.json");
  ASSERT_EQ(body.size(), 7842u);
  ASSERT_EQ(body.back(), '\n');
  // Every prefix short of the closing brace is incomplete JSON; the one without the
  // final newline is the whole document.
  for (size_t length = 0; length + 1 < body.size(); ++length) {
    Expected<Webhook> result = ParseWebhook(std::string_view(body).substr(0, length));
    ASSERT_FALSE(result.ok()) << "prefix of " << length << " bytes";
    EXPECT_EQ(result.error().code, Errc::kInvalidInput);
    EXPECT_EQ(result.error().message.find('\n'), std::string::npos) << result.error().message;
  }
  EXPECT_TRUE(ParseWebhook(std::string_view(body).substr(0, body.size() - 1)).ok());
}

// ---------------------------------------------------------------------------------
// What is accepted beyond the fixtures.

TEST(ParseWebhookTest, IgnoresUnknownFieldsForForwardCompatibility) {
  std::string alert = Edit(kAlert, R"("status":"firing",)",
                           R"("status":"firing","silencedBy":["x"],"x":{"y":[1,{"z":null}]},)");
  std::string body = Edit(Body(alert), R"("version":"4",)",
                          R"("version":"4","future":{"a":[true,false,null,1.5,-2,"s"]},"n":7,)");
  Webhook webhook = ParseOk(body);
  ASSERT_EQ(webhook.alerts.size(), 1u);
  EXPECT_EQ(webhook.alerts[0].alertname(), "DiskSpaceLow");
}

TEST(ParseWebhookTest, AcceptsAbsentOptionalFields) {
  std::string body =
      R"({"receiver":"r","status":"resolved","version":"4","groupKey":"k","alerts":[)"
      R"({"status":"resolved","labels":{"alertname":"A"},"startsAt":"2026-11-22T01:25:02Z",)"
      R"("fingerprint":"f"}]})";
  Webhook webhook = ParseOk(body);
  EXPECT_EQ(webhook.status, AlertStatus::kResolved);
  EXPECT_TRUE(webhook.group_labels.empty());
  EXPECT_TRUE(webhook.common_labels.empty());
  EXPECT_TRUE(webhook.common_annotations.empty());
  EXPECT_EQ(webhook.external_url, "");
  EXPECT_EQ(webhook.truncated_alerts, 0);
  ASSERT_EQ(webhook.alerts.size(), 1u);
  const Alert& alert = webhook.alerts[0];
  EXPECT_TRUE(alert.annotations.empty());
  EXPECT_EQ(alert.instance(), "");  // matches nothing later, but is no error
  EXPECT_EQ(alert.generator_url, "");
  EXPECT_EQ(alert.ends_at, TimePoint{});
}

TEST(ParseWebhookTest, AcceptsAnEmptyAlertsArray) {
  Webhook webhook = ParseOk(Body(""));
  EXPECT_TRUE(webhook.alerts.empty());
}

TEST(ParseWebhookTest, TreatsStrangeButValidLabelsAsData) {
  // Prometheus 3 allows UTF-8 label names; control characters other than NUL, "=",
  // quotes and shell syntax are all plain data here.
  Webhook webhook = ParseOk(WithLabels(
      R"j({"alertname":"$(reboot)","instance":"a\u0001b\u001fc\u007f","na\u0308me 🚀":"x=y;`id`",)j"
      R"j("\u00e9":"\ud83d\ude91"})j"));
  const Alert& alert = webhook.alerts.at(0);
  EXPECT_EQ(alert.alertname(), "$(reboot)");
  EXPECT_EQ(alert.instance(),
            "a\x01"
            "b\x1f"
            "c\x7f");
  EXPECT_EQ(alert.labels.at("na\xCC\x88me \xF0\x9F\x9A\x80"), "x=y;`id`");
  EXPECT_EQ(alert.labels.at("\xC3\xA9"), "\xF0\x9F\x9A\x91");
}

TEST(ParseWebhookTest, AcceptsTrailingWhitespace) {
  for (const char* tail : {"\n", "\r\n", " \t \n\n"}) {
    EXPECT_TRUE(ParseWebhook(Body() + tail).ok()) << tail;
  }
}

TEST(ParseWebhookTest, AcceptsPayloadsExactlyAtTheLimits) {
  ParseLimits limits;
  limits.max_alerts = 3;
  limits.max_labels = 4;
  limits.max_name_bytes = 9;  // "alertname"
  limits.max_value_bytes = 100;
  std::string labels =
      R"({"alertname":"A","instance":")" + std::string(100, 'v') + R"(","123456789":"x","y":""})";
  std::string alert = Edit(Edit(kAlert, kLabels, R"("labels":)" + labels + ","), "82cf4c324f050464",
                           std::string(64, 'f'));
  alert = Edit(alert, R"({"summary":"low"})", R"({"a":"","b":"","c":"","d":""})");
  Webhook webhook = ParseOk(Body(alert + "," + alert + "," + alert), limits);
  ASSERT_EQ(webhook.alerts.size(), 3u);
  EXPECT_EQ(webhook.alerts[2].labels.size(), 4u);
  EXPECT_EQ(webhook.alerts[2].annotations.size(), 4u);
  EXPECT_EQ(webhook.alerts[2].fingerprint.size(), 64u);
}

TEST(ParseWebhookTest, CountsNestingFromTheTopObject) {
  ParseLimits limits;
  limits.max_depth = 5;  // top object, then four levels in an unknown field
  std::string body = Edit(Body(), R"("version":"4",)", R"("x":[[[{}]]],"version":"4",)");
  EXPECT_TRUE(ParseWebhook(body, limits).ok());
  body = Edit(Body(), R"("version":"4",)", R"("x":[[[[{}]]]],"version":"4",)");
  Expected<Webhook> result = ParseWebhook(body, limits);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message, "x: nested deeper than 5 levels");
  // The fixtures need 4 levels: object, alerts, alert, labels.
  limits.max_depth = 4;
  EXPECT_TRUE(ParseWebhook(Fixture("01-single-firing.json"), limits).ok());
}

TEST(ParseWebhookTest, ReadsTimesWithOffsetsAndKeepsTheirText) {
  std::string body =
      Body(Edit(kAlert, "2026-11-22T01:25:02.807Z", "2026-11-22T03:25:02.807+02:00"));
  Webhook webhook = ParseOk(body);
  EXPECT_EQ(webhook.alerts[0].starts_at, Time("2026-11-22T01:25:02.807Z"));
  EXPECT_EQ(webhook.alerts[0].starts_at_text, "2026-11-22T03:25:02.807+02:00");
}

TEST(ParseWebhookTest, ReadsTheZeroEndsAtOfFiringAlertsAsNoTime) {
  Webhook webhook = ParseOk(Body());
  EXPECT_EQ(webhook.alerts[0].ends_at, TimePoint{});
}

TEST(ParseWebhookTest, ReadsTimesAtTheEdgesOfTheClock) {
  // TimePoint spans 1677-09-21 to 2262-04-11; whole years 1678..2261 are accepted with
  // any offset.
  std::string early = "1678-01-01T00:00:00+23:59";
  std::string late = "2261-12-31T23:59:59.999999999-23:59";
  Webhook webhook = ParseOk(
      Body(Edit(Edit(kAlert, "2026-11-22T01:25:02.807Z", early), "0001-01-01T00:00:00Z", late)));
  EXPECT_EQ(webhook.alerts[0].starts_at, Time(early));
  EXPECT_EQ(webhook.alerts[0].ends_at, Time(late));
  EXPECT_LT(webhook.alerts[0].starts_at, TimePoint{});
  EXPECT_GT(webhook.alerts[0].ends_at, Time("2261-12-31T23:59:59Z"));
}

// ---------------------------------------------------------------------------------
// Rejections.

TEST(ParseWebhookTest, RejectsWholePayloadWhenOneAlertLacksLabels) {
  std::string second = Edit(kAlert, kLabels, "");
  Expected<Webhook> result = ParseWebhook(Body(kAlert + "," + second + "," + kAlert));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::kInvalidInput);
  EXPECT_EQ(result.error().message, "alerts[1].labels: missing required field");
}

TEST(ParseWebhookTest, QuotesAtMost64BytesOfAnOffendingValueOnOneLine) {
  std::string value = R"(it's \\ a \"trap\"\n\r\t\u001b[31m\u0085\u2028)" + std::string(200, 'z');
  Expected<Webhook> result = ParseWebhook(Body(Edit(kAlert, "2026-11-22T01:25:02.807Z", value)));
  ASSERT_FALSE(result.ok());
  const std::string& message = result.error().message;
  EXPECT_EQ(message,
            R"(alerts[0].startsAt: not an RFC 3339 time: 'it\'s \\ a "trap"\n\r\t\u001B[31m)"
            R"(\u0085\u2028)" +
                std::string(64 - 28, 'z') + "…'");
  for (char c : message) EXPECT_GE(static_cast<unsigned char>(c), 0x20) << message;
}

TEST(ParseWebhookTest, EscapesBytesThatAreNotUtf8InMessages) {
  // "\udc00" decodes to ED B0 80, which is not UTF-8: it is refused, and the message
  // shows the bytes escaped rather than passing them on to a log.
  Expected<Webhook> result = ParseWebhook(WithInstance(R"("a\udc00b")"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message,
            "alerts[0].labels.instance: is not valid UTF-8 (unpaired surrogate escape): "
            R"('a\xED\xB0\x80b')");
}

TEST(ParseWebhookTest, NamesOddLabelNamesInQuotesInThePath) {
  Expected<Webhook> result = ParseWebhook(WithLabels(R"({"alertname":"A","n\u00f6de 1\n":5})"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message,
            "alerts[0].labels['n\xC3\xB6"
            R"(de 1\n']: expected a string, got a number)");
}

// One malformed payload: the message must start with `path` and contain `detail`.
struct Malformed {
  std::string name;
  std::string body;
  std::string path;
  std::string detail;
  ParseLimits limits = {};
};

void PrintTo(const Malformed& c, std::ostream* os) { *os << c.name; }

std::vector<Malformed> MalformedPayloads() {
  const std::string ok = Body();
  ParseLimits two_alerts;
  two_alerts.max_alerts = 2;
  const std::string deep_arrays = std::string(100000, '[');
  std::string deep_objects;
  for (int i = 0; i < 100000; ++i) deep_objects += R"({"x":)";

  return {
      // Not a JSON object at all.
      {"NotJson", "hello", "body", "invalid JSON at offset 0: Invalid value."},
      {"EmptyBody", "", "body", "The document is empty."},
      {"WhitespaceOnly", " \n", "body", "The document is empty."},
      {"ArrayAtTopLevel", "[]", "body", "expected an object, got an array"},
      {"StringAtTopLevel", R"("4")", "body", "expected an object, got a string"},
      {"NullAtTopLevel", "null", "body", "expected an object, got null"},
      {"ByteOrderMark", "\xEF\xBB\xBF" + ok, "body", "invalid JSON at offset 0"},
      {"SingleQuotes", "{'receiver':'r'}", "body", "Missing a name for object member"},
      {"Comment", "/**/" + ok, "body", "invalid JSON at offset 0"},
      {"MissingComma", Edit(ok, R"("receiver":"r",)", R"("receiver":"r" )"), "body",
       "invalid JSON at offset 16: Missing a comma or '}' after an object member."},
      {"TruncatedInAString", ok.substr(0, ok.find("web-1:9100") + 3), "alerts[0].labels.instance",
       "Missing a closing quotation mark in string."},
      {"TruncatedBeforeTheLastBrace", ok.substr(0, ok.size() - 1), "body",
       "Missing a comma or '}' after an object member."},
      {"TrailingGarbage", ok + "x", "body", "root must not be followed by other values"},
      {"TrailingSecondObject", ok + "\n{}", "body", "root must not be followed by other values"},
      {"NulByteAfterTheDocument", ok + std::string("\0junk", 5), "body", "a NUL byte follows"},
      {"TrailingCommaInLabels", WithLabels(R"({"alertname":"A",})"), "alerts[0].labels",
       "Missing a name for object member."},
      {"NaN", Edit(ok, R"("truncatedAlerts":0)", R"("truncatedAlerts":NaN)"), "truncatedAlerts",
       "Invalid value."},
      {"NumberTooBig", Edit(ok, R"("truncatedAlerts":0)", R"("truncatedAlerts":1e999)"),
       "truncatedAlerts", "Number too big to be stored in double."},
      // The top level.
      {"WrongVersion", Edit(ok, R"("version":"4")", R"("version":"3")"), "version",
       "unsupported version '3', expected '4'"},
      {"VersionAsNumber", Edit(ok, R"("version":"4")", R"("version":4)"), "version",
       "expected a string, got a number"},
      {"MissingVersion", Edit(ok, R"("version":"4",)", ""), "version", "missing required field"},
      {"DuplicateVersion", Edit(ok, R"("version":"4")", R"("version":"4","version":"4")"),
       "version", "duplicate key"},
      {"BadTopLevelStatus",
       Edit(ok, R"("status":"firing","alerts")", R"("status":"FIRING","alerts")"), "status",
       "expected 'firing' or 'resolved', got 'FIRING'"},
      {"MissingReceiver", Edit(ok, R"("receiver":"r",)", ""), "receiver", "missing required field"},
      {"MissingGroupKey", Edit(ok, R"(,"groupKey":"{}:{}")", ""), "groupKey",
       "missing required field"},
      {"NotificationReasonNumber",
       Edit(ok, R"("truncatedAlerts":0)", R"("truncatedAlerts":0,"notification_reason":1)"),
       "notification_reason", "expected a string, got a number"},
      {"NotificationReasonNull",
       Edit(ok, R"("truncatedAlerts":0)", R"("truncatedAlerts":0,"notification_reason":null)"),
       "notification_reason", "expected a string, got null"},
      {"DuplicateNotificationReason",
       Edit(ok, R"("truncatedAlerts":0)",
            R"("notification_reason":"a","truncatedAlerts":0,"notification_reason":"b")"),
       "notification_reason", "duplicate key"},
      {"NotificationReasonInvalidUtf8",
       Edit(ok, R"("truncatedAlerts":0)", "\"truncatedAlerts\":0,\"notification_reason\":\"\xff\""),
       "notification_reason", "Invalid encoding in string."},
      {"ExternalUrlNumber", Edit(ok, R"("externalURL":"http://am")", R"("externalURL":1)"),
       "externalURL", "expected a string, got a number"},
      {"MissingAlerts", Edit(ok, R"("alerts":[)" + kAlert + "],", ""), "alerts",
       "missing required field"},
      {"AlertsNotArray", Edit(ok, R"("alerts":[)" + kAlert + "]", R"("alerts":{})"), "alerts",
       "expected an array, got an object"},
      {"AlertsNull", Edit(ok, R"("alerts":[)" + kAlert + "]", R"("alerts":null)"), "alerts",
       "expected an array, got null"},
      {"GroupLabelsValueNumber",
       Edit(ok, R"("groupLabels":{"alertname":"DiskSpaceLow"})",
            R"("groupLabels":{"alertname":1})"),
       "groupLabels.alertname", "expected a string, got a number"},
      {"CommonAnnotationsNotObject",
       Edit(ok, R"("commonAnnotations":{})", R"("commonAnnotations":"x")"), "commonAnnotations",
       "expected an object, got a string"},
      {"TruncatedAlertsNegative", Edit(ok, R"("truncatedAlerts":0)", R"("truncatedAlerts":-1)"),
       "truncatedAlerts", "expected a non-negative integer, got -1"},
      {"TruncatedAlertsString", Edit(ok, R"("truncatedAlerts":0)", R"("truncatedAlerts":"2")"),
       "truncatedAlerts", "expected a non-negative integer, got a string"},
      {"TruncatedAlertsFraction", Edit(ok, R"("truncatedAlerts":0)", R"("truncatedAlerts":1.5)"),
       "truncatedAlerts", "expected a non-negative integer, got a number"},
      {"TruncatedAlertsHuge",
       Edit(ok, R"("truncatedAlerts":0)", R"("truncatedAlerts":18446744073709551615)"),
       "truncatedAlerts", "out of range"},
      // Alerts.
      {"AlertNotObject", Body(R"("x")"), "alerts[0]", "expected an object, got a string"},
      {"SecondAlertNotObject", Body(kAlert + ",7"), "alerts[1]",
       "expected an object, got a number"},
      {"TooManyAlerts", Body(AlertList(3)), "alerts", "3 alerts, more than the limit of 2",
       two_alerts},
      {"TooManyAlertsAtTheDefaultLimit", Body(AlertList(1001)), "alerts",
       "1001 alerts, more than the limit of 1000"},
      {"BadAlertStatus", Body(kAlert + "," + Edit(kAlert, "firing", "pending")), "alerts[1].status",
       "expected 'firing' or 'resolved', got 'pending'"},
      {"MissingAlertStatus", Body(Edit(kAlert, R"("status":"firing",)", "")), "alerts[0].status",
       "missing required field"},
      {"MissingLabels", Body(Edit(kAlert, kLabels, "")), "alerts[0].labels",
       "missing required field"},
      {"LabelsNotObject", WithLabels(R"(["alertname"])"), "alerts[0].labels",
       "expected an object, got an array"},
      {"DuplicateLabelsObject", Body(Edit(kAlert, kLabels, kLabels + kLabels)), "alerts[0].labels",
       "duplicate key"},
      {"LabelValueNumber", WithInstance("9100"), "alerts[0].labels.instance",
       "expected a string, got a number"},
      {"LabelValueNull", WithInstance("null"), "alerts[0].labels.instance",
       "expected a string, got null"},
      {"LabelValueBoolean", WithInstance("true"), "alerts[0].labels.instance",
       "expected a string, got a boolean"},
      {"LabelValueNestedObject", WithInstance(R"({"host":"web-1"})"), "alerts[0].labels.instance",
       "expected a string, got an object"},
      {"LabelValueArray", WithInstance(R"(["web-1"])"), "alerts[0].labels.instance",
       "expected a string, got an array"},
      {"MissingAlertname", WithLabels(R"({"instance":"i"})"), "alerts[0].labels.alertname",
       "missing required label"},
      {"EmptyAlertname", WithLabels(R"({"alertname":""})"), "alerts[0].labels.alertname",
       "must not be empty"},
      {"EmptyLabelName", WithLabels(R"({"alertname":"A","":"x"})"), "alerts[0].labels",
       "empty name"},
      {"DuplicateLabelName", WithLabels(R"({"alertname":"A","instance":"a","instance":"b"})"),
       "alerts[0].labels.instance", "duplicate name"},
      {"TooManyLabels", WithLabels(ManyEntries(129)), "alerts[0].labels", "more than 128 labels"},
      {"TooManyAnnotations",
       Body(Edit(kAlert, R"("annotations":{"summary":"low"})",
                 R"("annotations":)" + ManyEntries(129))),
       "alerts[0].annotations", "more than 128 annotations"},
      {"LabelValueTooLong", WithInstance('"' + std::string(65537, 'v') + '"'),
       "alerts[0].labels.instance", "longer than 65536 bytes: 'vvvv"},
      {"LabelNameTooLong",
       WithLabels(R"({"alertname":"A",")" + std::string(1025, 'n') + R"(":"x"})"),
       "alerts[0].labels", "name longer than 1024 bytes"},
      {"AnnotationValueNumber", Body(Edit(kAlert, R"({"summary":"low"})", R"({"summary":0.5})")),
       "alerts[0].annotations.summary", "expected a string, got a number"},
      {"BadStartsAt", Body(Edit(kAlert, "2026-11-22T01:25:02.807Z", "yesterday")),
       "alerts[0].startsAt", "not an RFC 3339 time: 'yesterday'"},
      {"StartsAtWithoutZone", Body(Edit(kAlert, "2026-11-22T01:25:02.807Z", "2026-11-22T01:25:02")),
       "alerts[0].startsAt", "not an RFC 3339 time: '2026-11-22T01:25:02'"},
      {"StartsAtNumber", Body(Edit(kAlert, R"("2026-11-22T01:25:02.807Z")", "1795310702")),
       "alerts[0].startsAt", "expected a string, got a number"},
      {"MissingStartsAt", Body(Edit(kAlert, R"("startsAt":"2026-11-22T01:25:02.807Z",)", "")),
       "alerts[0].startsAt", "missing required field"},
      {"BadEndsAt", Body(Edit(kAlert, "0001-01-01T00:00:00Z", "2026-11-22T24:00:00Z")),
       "alerts[0].endsAt", "not an RFC 3339 time: '2026-11-22T24:00:00Z'"},
      {"EndsAtInYearOneButNotTheZeroTime",
       Body(Edit(kAlert, "0001-01-01T00:00:00Z", "0001-01-01T00:00:01Z")), "alerts[0].endsAt",
       "not a time between the years 1678 and 2261: '0001-01-01T00:00:01Z'"},
      {"StartsAtBeyondTheClock",
       Body(Edit(kAlert, "2026-11-22T01:25:02.807Z", "2262-04-12T00:00:00Z")), "alerts[0].startsAt",
       "not a time between the years 1678 and 2261"},
      {"GeneratorUrlNumber", Body(Edit(kAlert, R"("http://prom/graph")", "5")),
       "alerts[0].generatorURL", "expected a string, got a number"},
      {"MissingFingerprint", Body(Edit(kAlert, R"(,"fingerprint":"82cf4c324f050464")", "")),
       "alerts[0].fingerprint", "missing required field"},
      {"EmptyFingerprint", Body(Edit(kAlert, "82cf4c324f050464", "")), "alerts[0].fingerprint",
       "must not be empty"},
      {"OverlongFingerprint", Body(Edit(kAlert, "82cf4c324f050464", std::string(65, 'f'))),
       "alerts[0].fingerprint", "longer than 64 bytes"},
      {"FingerprintNumber", Body(Edit(kAlert, R"("82cf4c324f050464")", "82")),
       "alerts[0].fingerprint", "expected a string, got a number"},
      // Bytes that are not UTF-8, and NUL.
      {"InvalidUtf8Byte", WithInstance("\"web-\xFF\""), "alerts[0].labels.instance",
       "Invalid encoding in string."},
      {"OverlongUtf8", WithInstance("\"web-\xC0\xAF\""), "alerts[0].labels.instance",
       "Invalid encoding in string."},
      {"Utf8EncodedSurrogate", WithInstance("\"web-\xED\xA0\x80\""), "alerts[0].labels.instance",
       "Invalid encoding in string."},
      {"Utf8AboveU10FFFF", WithInstance("\"web-\xF4\x90\x80\x80\""), "alerts[0].labels.instance",
       "Invalid encoding in string."},
      {"Utf8CutByTheQuote", WithInstance("\"web-\xE2\x82\""), "alerts[0].labels.instance",
       "Invalid encoding in string."},
      {"InvalidUtf8InLabelName", WithLabels("{\"alertname\":\"A\",\"\xFF\":\"x\"}"),
       "alerts[0].labels", "Invalid encoding in string."},
      {"LoneHighSurrogateEscape", WithInstance(R"("web-\ud800")"), "alerts[0].labels.instance",
       "The surrogate pair in string is invalid."},
      {"LoneLowSurrogateEscape", WithInstance(R"("web-\udc00")"), "alerts[0].labels.instance",
       "unpaired surrogate escape"},
      {"NulInLabelValue", WithInstance(R"("web\u00001")"), "alerts[0].labels.instance",
       R"(contains a NUL character: 'web\u00001')"},
      {"NulInLabelName", WithLabels(R"({"alertname":"A","a\u0000b":"x"})"), "alerts[0].labels",
       "name contains a NUL character"},
      {"NulInAnnotationValue",
       Body(Edit(kAlert, R"({"summary":"low"})", R"({"summary":"\u0000"})")),
       "alerts[0].annotations.summary", "contains a NUL character"},
      {"RawNulInAString", WithInstance(std::string("\"web\0\"", 6)), "alerts[0].labels.instance",
       "Missing a closing quotation mark in string."},
      // Nesting: refused at the limit, never recursed into.
      {"DeepArraysAtTopLevel", deep_arrays, "body", "expected an object, got an array"},
      {"DeepArraysInAnUnknownField", R"({"x":)" + deep_arrays, "x", "nested deeper than 16 levels"},
      {"DeepBalancedArraysInAnUnknownField",
       Edit(ok, R"("version":"4",)",
            R"("x":)" + deep_arrays + std::string(100000, ']') + R"(,"version":"4",)"),
       "x", "nested deeper than 16 levels"},
      {"DeepObjectsInAnUnknownField", R"({"x":)" + deep_objects, "x",
       "nested deeper than 16 levels"},
      {"DeepObjectsInAnUnknownAlertField",
       Body(Edit(kAlert, R"("status":"firing",)", R"("status":"firing","extra":)" + deep_objects)),
       "alerts[0].extra", "nested deeper than 16 levels"},
      {"DeepArraysAsALabelValue", WithInstance(deep_arrays), "alerts[0].labels.instance",
       "expected a string, got an array"},
  };
}

class MalformedPayloadTest : public testing::TestWithParam<Malformed> {};

TEST_P(MalformedPayloadTest, IsRejectedWithAMessageNamingTheField) {
  const Malformed& c = GetParam();
  ASSERT_EQ(c.body.find("EDIT DID NOT APPLY"), std::string::npos) << c.body;
  Expected<Webhook> result = ParseWebhook(c.body, c.limits);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::kInvalidInput);
  const std::string& message = result.error().message;
  EXPECT_EQ(message.rfind(c.path + ": ", 0), 0u) << message;
  EXPECT_NE(message.find(c.detail), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_LE(message.size(), 400u) << message;
}

INSTANTIATE_TEST_SUITE_P(ParseWebhook, MalformedPayloadTest, testing::ValuesIn(MalformedPayloads()),
                         [](const testing::TestParamInfo<Malformed>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace selfheal
