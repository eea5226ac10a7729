// Every rejected request leaves exactly one journal entry, also those libmicrohttpd
// refuses before any callback of ours sees a request (a request line too long or
// malformed), and an idle or empty connection leaves none. Plus the one shape all
// rejection entries share (http/rejection.h, serve/decision_event.h).
#include <gtest/gtest.h>
#include <syslog.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "http/drop_throttle.h"
#include "http/rejection.h"
#include "http/server.h"
#include "http/test_support.h"
#include "journal/journal.h"
#include "serve/decision_event.h"

namespace selfheal {
namespace {

using namespace http_test;

const std::string kPayload = R"({"version":"4","alerts":[]})";

ServerOptions Options() {
  ServerOptions options;
  options.webhook_path = "/";
  options.max_body_bytes = 1024;
  return options;
}

std::string Post(const std::string& target, const std::string& body = kPayload) {
  return "POST " + target +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string RemoteOf(const RawConnection& c) {
  return "127.0.0.1:" + std::to_string(c.LocalPort());
}

bool HasField(const AuditEvent& e, std::string_view name) {
  for (const auto& field : e.fields) {
    if (field.first == name) return true;
  }
  return false;
}

// Waits until the server has seen every connection close, so that whatever it
// journals at a close has been journaled.
void WaitAllClosed(const RunningServer& s) {
  ASSERT_TRUE(Eventually([&] { return s.server->IdleFor(Duration::zero()); }));
}

TEST(HttpRejectionJournalTest, JournalsARequestLineTooLongThatLibmicrohttpdAnswers414) {
  RecordingJournal journal;
  RecordingCallback callback;
  RunningServer s = StartServer(Options(), callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  RawConnection c(s.port);
  ASSERT_TRUE(c.ok());

  ASSERT_TRUE(c.Send(Post("/" + std::string(40000, 'u'))));
  auto r = c.ReadResponse();

  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 414);  // from libmicrohttpd: no callback of ours saw the request
  EXPECT_TRUE(c.WaitClosed(std::chrono::seconds(3)));
  WaitAllClosed(s);
  EXPECT_TRUE(callback.Seen().empty());
  auto events = journal.Events();
  ASSERT_EQ(events.size(), 1u);
  const AuditEvent& e = events[0];
  EXPECT_EQ(e.type, EventType::kRequestRejected);
  EXPECT_EQ(MessageId(e.type), "e6caf8bd9ec34ddcbc99946acc4f5e9a");
  EXPECT_EQ(e.priority, LOG_WARNING);
  EXPECT_EQ(FieldOf(e, "REMOTE"), RemoteOf(c));
  EXPECT_EQ(FieldOf(e, "HTTP_STATUS"), "414");
  EXPECT_EQ(FieldOf(e, "REASON"), "uri-too-long");
  EXPECT_NE(FieldOf(e, "ERROR").find("request line"), std::string::npos) << FieldOf(e, "ERROR");
  EXPECT_FALSE(HasField(e, "HTTP_PATH"));  // never read
  EXPECT_EQ(e.message.rfind("Rejected request from '" + RemoteOf(c) + "' (HTTP 414): ", 0), 0u)
      << e.message;
}

TEST(HttpRejectionJournalTest, JournalsARequestLineTooLongOnAKeptAliveConnection) {
  RecordingJournal journal;
  RecordingCallback callback;
  RunningServer s = StartServer(Options(), callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  RawConnection c(s.port);
  ASSERT_TRUE(c.ok());

  ASSERT_TRUE(c.Send(Post("/")));
  auto first = c.ReadResponse();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  ASSERT_TRUE(c.Send(Post("/" + std::string(40000, 'u'))));
  auto second = c.ReadResponse();

  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 414);
  EXPECT_TRUE(c.WaitClosed(std::chrono::seconds(3)));
  WaitAllClosed(s);
  EXPECT_EQ(callback.Seen().size(), 1u);
  auto events = journal.Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(FieldOf(events[0], "REMOTE"), RemoteOf(c));
  EXPECT_EQ(FieldOf(events[0], "HTTP_STATUS"), "414");
  EXPECT_EQ(FieldOf(events[0], "REASON"), "uri-too-long");
}

TEST(HttpRejectionJournalTest, JournalsAnUnsupportedHttpVersionThatLibmicrohttpdAnswers505) {
  RecordingJournal journal;
  RecordingCallback callback;
  RunningServer s = StartServer(Options(), callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  RawConnection c(s.port);
  ASSERT_TRUE(c.ok());

  ASSERT_TRUE(c.Send("POST / HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n"));
  auto r = c.ReadResponse();

  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 505);
  EXPECT_TRUE(c.WaitClosed(std::chrono::seconds(3)));
  WaitAllClosed(s);
  auto events = journal.Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(FieldOf(events[0], "REMOTE"), RemoteOf(c));
  EXPECT_EQ(FieldOf(events[0], "HTTP_STATUS"), "505");
  EXPECT_EQ(FieldOf(events[0], "REASON"), "unsupported-http-version");
  EXPECT_EQ(events[0].priority, LOG_ERR);  // a 5xx, even if the client's fault
}

TEST(HttpRejectionJournalTest, JournalsAContentLengthLibmicrohttpdCannotParseWithItsStatus) {
  RecordingJournal journal;
  RecordingCallback callback;
  RunningServer s = StartServer(Options(), callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  RawConnection c(s.port);
  ASSERT_TRUE(c.ok());

  ASSERT_TRUE(
      c.Send("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
             "Content-Length: 12abc\r\n\r\n" +
             kPayload));
  auto r = c.ReadResponse();

  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  WaitAllClosed(s);
  EXPECT_TRUE(callback.Seen().empty());
  auto events = journal.Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(FieldOf(events[0], "REMOTE"), RemoteOf(c));
  EXPECT_EQ(FieldOf(events[0], "HTTP_STATUS"), "400");
  EXPECT_EQ(FieldOf(events[0], "REASON"), "malformed");
  EXPECT_EQ(FieldOf(events[0], "HTTP_PATH"), "/");
  EXPECT_EQ(events[0].priority, LOG_WARNING);
}

TEST(HttpRejectionJournalTest, JournalsARequestLineLibmicrohttpdClosesWithoutAnswer) {
  RecordingJournal journal;
  RecordingCallback callback;
  RunningServer s = StartServer(Options(), callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  RawConnection c(s.port);
  ASSERT_TRUE(c.ok());

  ASSERT_TRUE(c.Send("GARBAGE\r\n\r\n"));  // no space: not even a method and a target

  EXPECT_TRUE(c.WaitClosed(std::chrono::seconds(3)));
  WaitAllClosed(s);
  auto events = journal.Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(FieldOf(events[0], "REMOTE"), RemoteOf(c));
  EXPECT_EQ(FieldOf(events[0], "REASON"), "incomplete");
  EXPECT_FALSE(HasField(events[0], "HTTP_STATUS"));  // none was sent
  EXPECT_EQ(events[0].priority, LOG_WARNING);
}

TEST(HttpRejectionJournalTest, JournalsAPartialRequestLineTheClientAbandons) {
  RecordingJournal journal;
  RecordingCallback callback;
  RunningServer s = StartServer(Options(), callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  std::string remote;
  {
    RawConnection c(s.port);
    ASSERT_TRUE(c.ok());
    remote = RemoteOf(c);
    ASSERT_TRUE(c.Send("POST /alertman"));
    ASSERT_TRUE(Eventually([&] { return !s.server->IdleFor(Duration::zero()); }));
  }
  WaitAllClosed(s);

  auto events = journal.Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(FieldOf(events[0], "REMOTE"), remote);
  EXPECT_EQ(FieldOf(events[0], "REASON"), "incomplete");
}

TEST(HttpRejectionJournalTest, JournalsNothingForEmptyOrIdleConnections) {
  RecordingJournal journal;
  RecordingCallback callback;
  ServerOptions options = Options();
  options.request_timeout = std::chrono::seconds(1);
  RunningServer s = StartServer(options, callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);

  {  // connects, sends nothing, closes
    RawConnection empty(s.port);
    ASSERT_TRUE(empty.ok());
    ASSERT_TRUE(Eventually([&] { return !s.server->IdleFor(Duration::zero()); }));
  }
  WaitAllClosed(s);
  {  // connects, sends nothing, and the server times it out
    RawConnection silent(s.port);
    ASSERT_TRUE(silent.ok());
    EXPECT_TRUE(silent.WaitClosed(std::chrono::seconds(3)));
  }
  WaitAllClosed(s);
  {  // two good requests, then the client closes the kept-alive connection
    RawConnection client_closes(s.port);
    ASSERT_TRUE(client_closes.ok());
    for (int i = 0; i < 2; ++i) {
      ASSERT_TRUE(client_closes.Send(Post("/")));
      auto r = client_closes.ReadResponse();
      ASSERT_TRUE(r);
      EXPECT_EQ(r->status, 200);
    }
  }
  WaitAllClosed(s);
  {  // a good request, then the server times the kept-alive connection out
    RawConnection server_closes(s.port);
    ASSERT_TRUE(server_closes.ok());
    ASSERT_TRUE(server_closes.Send(Post("/")));
    auto r = server_closes.ReadResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_TRUE(server_closes.WaitClosed(std::chrono::seconds(3)));
  }
  WaitAllClosed(s);
  // A rejection we answered ourselves, its body never read: one entry, not two.
  EXPECT_EQ(Curl(s.Url("/elsewhere"), "POST", kPayload, {"Content-Type: application/json"}).status,
            404);
  {
    RawConnection rejected(s.port);
    ASSERT_TRUE(rejected.ok());
    ASSERT_TRUE(
        rejected.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      "Content-Length: 5000\r\n\r\n" +
                      std::string(5000, ' ')));
    auto r = rejected.ReadResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    EXPECT_TRUE(rejected.WaitClosed(std::chrono::seconds(3)));
  }
  WaitAllClosed(s);

  auto events = journal.Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(FieldOf(events[0], "REASON"), "not-found");
  EXPECT_EQ(FieldOf(events[1], "REASON"), "body-too-large");
  EXPECT_EQ(callback.Seen().size(), 3u);
}

// Two requests libmicrohttpd answers itself at once, with different statuses: the
// status it logs does not name the connection, so an entry may lack HTTP_STATUS, but
// each connection gets its entry and none gets the other's status.
TEST(HttpRejectionJournalTest, NeverGivesAConnectionAnotherOnesStatus) {
  RecordingJournal journal;
  RecordingCallback callback;
  RunningServer s = StartServer(Options(), callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  // Two rounds: four entries, under the throttle's burst (the test below).
  for (int round = 0; round < 2; ++round) {
    RawConnection too_long(s.port), version(s.port);
    ASSERT_TRUE(too_long.ok() && version.ok());
    const std::string remote_414 = RemoteOf(too_long), remote_505 = RemoteOf(version);
    ASSERT_TRUE(too_long.Send(Post("/" + std::string(40000, 'u'))));
    ASSERT_TRUE(version.Send("POST / HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n"));
    EXPECT_TRUE(too_long.WaitClosed(std::chrono::seconds(3)));
    EXPECT_TRUE(version.WaitClosed(std::chrono::seconds(3)));
    WaitAllClosed(s);

    auto events = journal.Events();
    ASSERT_EQ(events.size(), 2u * (round + 1));
    for (size_t i = events.size() - 2; i < events.size(); ++i) {
      const std::string remote = FieldOf(events[i], "REMOTE");
      const std::string status = FieldOf(events[i], "HTTP_STATUS");
      ASSERT_TRUE(remote == remote_414 || remote == remote_505) << remote;
      const std::string expected = remote == remote_414 ? "414" : "505";
      EXPECT_TRUE(status == expected || status.empty()) << remote << " got " << status;
    }
    EXPECT_NE(FieldOf(events[events.size() - 1], "REMOTE"),
              FieldOf(events[events.size() - 2], "REMOTE"));
  }
}

// --- the one shape of every rejection entry ---

TEST(HttpRejectionJournalTest, PayloadAndServerRejectionsShareOneShape) {
  WebhookRequest request{"{", "127.0.0.1:4000", "POST", "/alertmanager"};

  AuditEvent payload =
      RejectionEvent(request, 400, "malformed-payload", "body: invalid JSON at offset 1\n");
  AuditEvent store = RejectionEvent(request, 503, "store-unavailable", "state store unavailable");
  AuditEvent server = RequestRejectedEvent(
      {"127.0.0.1:4000", "GET", "/alertmanager", 405, "method-not-allowed", "method not allowed"});

  EXPECT_EQ(payload.type, EventType::kRequestRejected);
  EXPECT_EQ(payload.priority, LOG_WARNING);
  EXPECT_EQ(payload.message,
            "Rejected request from '127.0.0.1:4000' (POST '/alertmanager', HTTP 400): "
            "body: invalid JSON at offset 1\\n, skipping.");
  EXPECT_EQ(FieldOf(payload, "REASON"), "malformed-payload");
  EXPECT_EQ(FieldOf(payload, "ERROR"), "body: invalid JSON at offset 1\\n");  // escaped
  EXPECT_EQ(FieldOf(payload, "HTTP_STATUS"), "400");
  EXPECT_EQ(FieldOf(payload, "HTTP_METHOD"), "POST");
  EXPECT_EQ(FieldOf(payload, "HTTP_PATH"), "/alertmanager");
  EXPECT_EQ(FieldOf(payload, "REMOTE"), "127.0.0.1:4000");
  EXPECT_EQ(store.priority, LOG_ERR);  // a 5xx is an error
  EXPECT_EQ(FieldOf(store, "REASON"), "store-unavailable");
  EXPECT_EQ(server.priority, LOG_WARNING);
  std::vector<std::string> names[3];
  const AuditEvent* all[3] = {&payload, &store, &server};
  for (int i = 0; i < 3; ++i) {
    for (const auto& field : all[i]->fields) names[i].push_back(field.first);
    std::sort(names[i].begin(), names[i].end());
  }
  EXPECT_EQ(names[0], names[1]);
  EXPECT_EQ(names[0], names[2]);
}

TEST(HttpRejectionJournalTest, LeavesOutWhatIsNotKnown) {
  AuditEvent e = RequestRejectedEvent({"127.0.0.1:4000", "", "", 0, "incomplete", "no line"});

  EXPECT_EQ(e.message, "Rejected request from '127.0.0.1:4000': no line, skipping.");
  EXPECT_FALSE(HasField(e, "HTTP_STATUS"));
  EXPECT_FALSE(HasField(e, "HTTP_METHOD"));
  EXPECT_FALSE(HasField(e, "HTTP_PATH"));
  EXPECT_EQ(FieldOf(e, "REASON"), "incomplete");
  EXPECT_EQ(e.priority, LOG_WARNING);

  AuditEvent path_only = RequestRejectedEvent({"r", "", "/a\nb", 431, "x", "y"});
  EXPECT_EQ(path_only.message, "Rejected request from 'r' ('/a\\nb', HTTP 431): y, skipping.");
}

// A client without credentials abandons requests at its own rate: past the burst of
// the drops' throttle, they are counted in one summary, not journaled one by one.
TEST(HttpRejectionJournalTest, AbandonedRequestsPastTheBurstAreCountedNotEachJournaled) {
  RecordingJournal journal;
  RecordingCallback callback;
  RunningServer s = StartServer(Options(), callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  constexpr int kAbandoned = 12;
  for (int i = 0; i < kAbandoned; ++i) {
    RawConnection c(s.port);
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(
        c.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               "Content-Length: 100\r\n\r\n{\"partial\":"));
    ASSERT_TRUE(Eventually([&] { return !s.server->IdleFor(Duration::zero()); }));
  }
  WaitAllClosed(s);
  s.server.reset();  // a stop writes the counts of the window not yet over

  size_t own = 0, summarised = 0;
  for (const AuditEvent& e : journal.Events()) {
    if (HasField(e, "COUNT"))
      summarised += std::stoul(FieldOf(e, "COUNT"));
    else
      ++own;
  }
  EXPECT_EQ(own, DropThrottleLimits{}.burst);
  EXPECT_EQ(own + summarised, static_cast<size_t>(kAbandoned));
  EXPECT_TRUE(callback.Seen().empty());
}

}  // namespace
}  // namespace selfheal
