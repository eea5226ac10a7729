// The receipt of a large webhook stays structured: split into parts that each carry
// the receipt's fields and at most kReceiptFingerprintsPerEntry fingerprints.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "journal/journal.h"
#include "serve/decision_event.h"

namespace selfheal {
namespace {

Webhook WebhookWith(size_t alerts) {
  Webhook w;
  w.receiver = "selfheal";
  for (size_t i = 0; i < alerts; ++i) {
    Alert a;
    a.fingerprint = "fp" + std::to_string(i);
    w.alerts.push_back(a);
  }
  return w;
}

std::vector<std::string> Values(const AuditEvent& e, const std::string& name) {
  std::vector<std::string> out;
  for (const auto& [n, v] : e.fields) {
    if (n == name) out.push_back(v);
  }
  return out;
}

// Every fingerprint in exactly one part; every part the same MESSAGE_ID and fields.
void ExpectSplit(size_t alerts, size_t want_parts) {
  std::vector<AuditEvent> parts = ReceivedEvents(WebhookWith(alerts), "10.0.0.1");
  ASSERT_EQ(parts.size(), want_parts);
  std::multiset<std::string> seen;
  for (size_t k = 0; k < parts.size(); ++k) {
    const AuditEvent& p = parts[k];
    EXPECT_EQ(p.type, EventType::kWebhookReceived);
    EXPECT_EQ(Values(p, "REMOTE"), std::vector<std::string>{"10.0.0.1"});
    EXPECT_EQ(Values(p, "RECEIVER"), std::vector<std::string>{"selfheal"});
    EXPECT_EQ(Values(p, "ALERTS"), std::vector<std::string>{std::to_string(alerts)});
    std::vector<std::string> fps = Values(p, "FINGERPRINT");
    EXPECT_LE(fps.size(), kReceiptFingerprintsPerEntry);
    seen.insert(fps.begin(), fps.end());
    std::vector<std::string> part = Values(p, "RECEIPT_PART");
    if (want_parts == 1) {
      EXPECT_TRUE(part.empty());
    } else {
      std::string of = std::to_string(k + 1) + "/" + std::to_string(want_parts);
      EXPECT_EQ(part, std::vector<std::string>{of});
      EXPECT_NE(p.message.find("Part " + of), std::string::npos) << p.message;
    }
  }
  ASSERT_EQ(seen.size(), alerts);
  for (size_t i = 0; i < alerts; ++i) EXPECT_EQ(seen.count("fp" + std::to_string(i)), 1U);
}

TEST(ReceiptSplit, OneAlertIsOneEntry) { ExpectSplit(1, 1); }

TEST(ReceiptSplit, ExactlyNIsOneEntry) { ExpectSplit(kReceiptFingerprintsPerEntry, 1); }

TEST(ReceiptSplit, NPlusOneIsTwoEntries) { ExpectSplit(kReceiptFingerprintsPerEntry + 1, 2); }

TEST(ReceiptSplit, ThousandAlerts) {
  ExpectSplit(1000, (1000 + kReceiptFingerprintsPerEntry - 1) / kReceiptFingerprintsPerEntry);
}

TEST(ReceiptSplit, NoAlertsStillOneEntry) {
  std::vector<AuditEvent> parts = ReceivedEvents(WebhookWith(0), "10.0.0.1");
  ASSERT_EQ(parts.size(), 1U);
  EXPECT_TRUE(Values(parts[0], "FINGERPRINT").empty());
}

TEST(ReceiptSplit, RepeatedFingerprintsCountOnce) {
  Webhook w = WebhookWith(kReceiptFingerprintsPerEntry);
  w.alerts.insert(w.alerts.end(), w.alerts.begin(), w.alerts.end());  // each twice
  std::vector<AuditEvent> parts = ReceivedEvents(w, "10.0.0.1");
  ASSERT_EQ(parts.size(), 1U);
  EXPECT_EQ(Values(parts[0], "FINGERPRINT").size(), kReceiptFingerprintsPerEntry);
}

}  // namespace
}  // namespace selfheal
