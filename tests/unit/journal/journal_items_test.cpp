// JournalItems keeps an entry structured however many fields it has.
#include <gtest/gtest.h>
#include <syslog.h>

#include <string>
#include <vector>

#include "journal/journal.h"
#include "journal/sinks.h"

namespace selfheal {
namespace {

AuditEvent EventWithFields(size_t n) {
  AuditEvent e{EventType::kWebhookReceived, LOG_INFO, "m", {}};
  for (size_t i = 0; i < n; ++i) e.fields.emplace_back("FINGERPRINT", std::to_string(i));
  return e;
}

TEST(JournalItems, FixedItemsFirst) {
  std::vector<std::string> items = JournalItems(EventWithFields(1));
  ASSERT_EQ(items.size(), 5U);
  EXPECT_EQ(items[0], "MESSAGE=m");
  EXPECT_EQ(items[1], "PRIORITY=" + std::to_string(LOG_INFO));
  EXPECT_EQ(items[2], "SYSLOG_IDENTIFIER=self-heal");
  EXPECT_EQ(items[3], "MESSAGE_ID=" + std::string(MessageId(EventType::kWebhookReceived)));
  EXPECT_EQ(items[4], "SELF_HEAL_FINGERPRINT=0");
}

TEST(JournalItems, AtTheCapNothingIsDropped) {
  std::vector<std::string> items = JournalItems(EventWithFields(kMaxJournalItems - 4));
  ASSERT_EQ(items.size(), kMaxJournalItems);
  EXPECT_EQ(items.back(), "SELF_HEAL_FINGERPRINT=" + std::to_string(kMaxJournalItems - 5));
}

TEST(JournalItems, PastTheCapKeepsMessageIdAndCountsTheDropped) {
  std::vector<std::string> items = JournalItems(EventWithFields(1000));
  ASSERT_EQ(items.size(), kMaxJournalItems);
  EXPECT_EQ(items[3], "MESSAGE_ID=" + std::string(MessageId(EventType::kWebhookReceived)));
  // 195 fields kept, the last slot says how many of the 1000 were not.
  EXPECT_EQ(items.back(),
            "SELF_HEAL_FIELDS_DROPPED=" + std::to_string(1000 - (kMaxJournalItems - 5)));
}

}  // namespace
}  // namespace selfheal
