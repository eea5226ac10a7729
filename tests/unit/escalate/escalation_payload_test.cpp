#include "escalate/escalation_payload.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <map>
#include <string>

#include "escalate/sample_facts.h"

namespace selfheal {
namespace {

using namespace std::chrono_literals;

using test::NginxFacts;

using StringMap = std::map<std::string, std::string>;

// The one alert of a payload, parsed back; fails the test unless it is a JSON array of
// exactly one object.
struct ParsedAlert {
  StringMap labels;
  StringMap annotations;
  StringMap top;  // the other string members: startsAt, endsAt, generatorURL
};

StringMap StringsOf(const rapidjson::Value& object) {
  StringMap out;
  for (const auto& m : object.GetObject()) {
    EXPECT_TRUE(m.value.IsString()) << m.name.GetString();
    if (m.value.IsString()) out[m.name.GetString()] = m.value.GetString();
  }
  return out;
}

ParsedAlert Parse(const std::string& payload) {
  ParsedAlert alert;
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(payload.data(), payload.size());
  EXPECT_FALSE(doc.HasParseError()) << payload;
  if (doc.HasParseError()) return alert;
  EXPECT_TRUE(doc.IsArray());
  EXPECT_EQ(doc.Size(), 1u);
  if (!doc.IsArray() || doc.Size() != 1 || !doc[0].IsObject()) return alert;
  for (const auto& m : doc[0].GetObject()) {
    std::string name = m.name.GetString();
    if (name == "labels") {
      alert.labels = StringsOf(m.value);
    } else if (name == "annotations") {
      alert.annotations = StringsOf(m.value);
    } else {
      EXPECT_TRUE(m.value.IsString()) << name;
      if (m.value.IsString()) alert.top[name] = m.value.GetString();
    }
  }
  return alert;
}

TEST(EscalationPayloadTest, IsAnAlertmanagerV2ArrayOfOneAlertWithEveryDocumentedField) {
  ParsedAlert a = Parse(BuildEscalationPayload(NginxFacts()));

  EXPECT_EQ(a.labels, (StringMap{{"alertname", "SelfHealExhausted"},
                                 {"instance", "web-1:9100"},
                                 {"job", "nginx"},
                                 {"original_alertname", "NginxDown"},
                                 {"original_heal", "true"},
                                 {"original_severity", "warning"},
                                 {"self_heal_handler", "nginx-restart"},
                                 {"severity", "critical"}}));
  EXPECT_EQ(a.annotations.at("attempts"), "3");
  EXPECT_EQ(a.annotations.at("max_attempts"), "3");
  EXPECT_EQ(a.annotations.at("window"), "4h");
  EXPECT_EQ(a.annotations.at("last_result"), "failed");
  EXPECT_EQ(a.annotations.at("unit"), "self-heal-nginx-restart-1a2b3c4d.service");
  EXPECT_EQ(a.annotations.at("breaker_opened_at"), "2026-11-22T12:00:00.000Z");
  EXPECT_EQ(a.annotations.at("fingerprint"), "6d0a5ab2a4a7c2f1");
  EXPECT_EQ(a.annotations.at("journal"), "journalctl SELF_HEAL_FINGERPRINT=6d0a5ab2a4a7c2f1");
  EXPECT_EQ(a.annotations.at("summary"), "self-heal gave up healing NginxDown on web-1:9100");
  const std::string& description = a.annotations.at("description");
  for (const char* part : {"'nginx-restart'", "3 of 3 attempts", "within 4h", "'NginxDown'",
                           "'web-1:9100'", "'failed'", "self-heal-nginx-restart-1a2b3c4d.service",
                           "self-heal reset nginx-restart web-1:9100",
                           "journalctl SELF_HEAL_FINGERPRINT=6d0a5ab2a4a7c2f1"}) {
    EXPECT_NE(description.find(part), std::string::npos) << part << " in " << description;
  }
  EXPECT_EQ(a.top, (StringMap{{"startsAt", "2026-11-22T12:00:00.000Z"},
                              {"endsAt", "2026-11-22T16:00:00.000Z"},
                              {"generatorURL", "http://prometheus:9090/graph?g0.expr=up"}}));
}

TEST(EscalationPayloadTest, NeverCarriesTheOriginalAlertnameAsAlertname) {
  EscalationFacts f = NginxFacts();
  f.labels["self_heal_handler"] = "forged";
  f.labels["original_alertname"] = "Forged";
  ParsedAlert a = Parse(BuildEscalationPayload(f));
  EXPECT_EQ(a.labels.at("alertname"), "SelfHealExhausted");
  EXPECT_EQ(a.labels.at("original_alertname"), "NginxDown");
  EXPECT_EQ(a.labels.at("self_heal_handler"), "nginx-restart");
}

TEST(EscalationPayloadTest, DropsTheHealLabelSoTheEscalationIsNotRoutedBackToSelfHeal) {
  ParsedAlert a = Parse(BuildEscalationPayload(NginxFacts()));
  EXPECT_EQ(a.labels.count("heal"), 0u);
  EXPECT_EQ(a.labels.at("original_heal"), "true");
}

TEST(EscalationPayloadTest, AddsInstanceAndSeverityWhenTheOriginalLabelsLackThem) {
  EscalationFacts f = NginxFacts();
  f.labels = {{"alertname", "NginxDown"}};
  ParsedAlert a = Parse(BuildEscalationPayload(f));
  EXPECT_EQ(a.labels, (StringMap{{"alertname", "SelfHealExhausted"},
                                 {"instance", "web-1:9100"},
                                 {"original_alertname", "NginxDown"},
                                 {"self_heal_handler", "nginx-restart"},
                                 {"severity", "critical"}}));
}

TEST(EscalationPayloadTest, StrangeLabelValuesSurviveAsData) {
  EscalationFacts f = NginxFacts();
  f.instance = "db 2 \"primary\"\n$(reboot) 'x' \\ Grüße 🚑";
  f.labels = {{"alertname", "NginxDown"},
              {"instance", f.instance},
              {"ctl", std::string("a\x01"
                                  "b\x1f"
                                  "c",
                                  5)}};
  ParsedAlert a = Parse(BuildEscalationPayload(f));
  EXPECT_EQ(a.labels.at("instance"), f.instance);
  EXPECT_EQ(a.labels.at("ctl"), std::string("a\x01"
                                            "b\x1f"
                                            "c",
                                            5));
  EXPECT_NE(a.annotations.at("description").find(f.instance), std::string::npos);
}

TEST(EscalationPayloadTest, LeavesOutLabelsWhoseNamesAlertmanagerWouldRejectTheAlertFor) {
  EscalationFacts f = NginxFacts();
  f.labels = {{"alertname", "NginxDown"},
              {"na\xcc\x88me 🚀", "x"},
              {"9lives", "x"},
              {"_ok", "kept"},
              {"ok_2", "kept"}};
  ParsedAlert a = Parse(BuildEscalationPayload(f));
  EXPECT_EQ(a.labels.count("na\xcc\x88me 🚀"), 0u);
  EXPECT_EQ(a.labels.count("9lives"), 0u);
  EXPECT_EQ(a.labels.at("_ok"), "kept");
  EXPECT_EQ(a.labels.at("ok_2"), "kept");
}

TEST(EscalationPayloadTest, JournalHintUsesAlertnameAndInstanceWithoutAFingerprint) {
  EscalationFacts f = NginxFacts();
  f.fingerprint.clear();
  f.instance = "db 2 'primary'";
  ParsedAlert a = Parse(BuildEscalationPayload(f));
  EXPECT_EQ(a.annotations.at("journal"),
            "journalctl SELF_HEAL_ALERTNAME=NginxDown 'SELF_HEAL_INSTANCE=db 2 '\\''primary'\\'''");
  EXPECT_EQ(a.annotations.count("fingerprint"), 0u);
}

TEST(EscalationPayloadTest, OmitsEndsAtWithoutAWindowAndGeneratorUrlWhenUnknown) {
  EscalationFacts f = NginxFacts();
  f.window = Duration::zero();
  f.generator_url.clear();
  ParsedAlert a = Parse(BuildEscalationPayload(f));
  EXPECT_EQ(a.top, (StringMap{{"startsAt", "2026-11-22T12:00:00.000Z"}}));
}

TEST(EscalationPayloadTest, AnUnknownLastResultIsSaidToBeUnknown) {
  EscalationFacts f = NginxFacts();
  f.last_result.clear();
  ParsedAlert a = Parse(BuildEscalationPayload(f));
  EXPECT_EQ(a.annotations.at("last_result"), "unknown");
  EXPECT_NE(a.annotations.at("description").find("the last result was 'unknown'"),
            std::string::npos);
}

TEST(EscalationPayloadTest, SameFactsGiveTheSameBytes) {
  EXPECT_EQ(BuildEscalationPayload(NginxFacts()), BuildEscalationPayload(NginxFacts()));
}

TEST(EscalationPayloadTest, AnnotationsCanBeReadBackFromAStoredPayload) {
  std::string payload = BuildEscalationPayload(NginxFacts());
  EXPECT_EQ(PayloadAnnotation(payload, "attempts"), "3");
  EXPECT_EQ(PayloadAnnotation(payload, "unit"), "self-heal-nginx-restart-1a2b3c4d.service");
  EXPECT_EQ(PayloadAnnotation(payload, "absent"), std::nullopt);
  EXPECT_EQ(PayloadAnnotation("not json", "attempts"), std::nullopt);
  EXPECT_EQ(PayloadAnnotation("[]", "attempts"), std::nullopt);
  EXPECT_EQ(PayloadAnnotation("[{\"annotations\":[]}]", "attempts"), std::nullopt);
}

TEST(EscalationPayloadTest, ShellQuoteLeavesPlainWordsAndQuotesTheRest) {
  EXPECT_EQ(ShellQuote("web-1:9100"), "web-1:9100");
  EXPECT_EQ(ShellQuote("SELF_HEAL_FINGERPRINT=ab12"), "SELF_HEAL_FINGERPRINT=ab12");
  EXPECT_EQ(ShellQuote(""), "''");
  EXPECT_EQ(ShellQuote("a b"), "'a b'");
  EXPECT_EQ(ShellQuote("$(reboot)"), "'$(reboot)'");
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
}

}  // namespace
}  // namespace selfheal
