// Slow and stuck clients over real sockets on 127.0.0.1: floods of connections that
// never finish their headers or their body must not keep a good request from being
// answered within a second, and each such connection meets a deadline on total time.
// Every loop is bounded in count and time.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include "http/server.h"
#include "http/test_support.h"

namespace selfheal {
namespace {

using namespace http_test;
using SteadyClock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;
using Micros = std::chrono::microseconds;

const std::string kPayload = R"({"version":"4","alerts":[]})";
const std::string kSlowHead = "POST / HTTP/1.1\r\nHost: x\r\n";
const std::string kSlowBodyHead =
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{";
constexpr auto kDrip = Millis(200);  // one byte per connection this often: never idle

// The client side of the floods and the good requests: 1,200 sockets and more.
void RaiseFdLimit(rlim_t needed) {
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  if (limit.rlim_cur < needed) {
    limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, needed);
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &limit), 0);
  }
  ASSERT_GE(limit.rlim_cur, needed) << "RLIMIT_NOFILE hard limit too low for this test";
}

// Connections that each send `head`, then one more byte every kDrip until stopped.
class SlowClients {
 public:
  SlowClients(int port, const std::string& head, int count) {
    for (int i = 0; i < count; ++i) {
      // A pause now and then lets the server drain its backlog: a full one drops SYNs,
      // and the kernel tries again only a second later.
      if (i % 32 == 31) std::this_thread::sleep_for(Millis(5));
      auto c = std::make_unique<RawConnection>(port);
      if (!c->ok()) continue;
      c->Send(head);  // may already be dropped by the server: still one of the flood
      connections_.push_back(std::move(c));
    }
    dripper_ = std::thread([this] {
      for (int round = 0; round < 300 && !stop_; ++round) {  // 60 s at most
        for (auto& c : connections_) {
          if (c && !c->Send("x")) c.reset();  // closed by the server
        }
        std::this_thread::sleep_for(kDrip);
      }
    });
  }
  ~SlowClients() {
    stop_ = true;
    dripper_.join();
  }
  size_t opened() const { return connections_.size(); }

 private:
  std::vector<std::unique_ptr<RawConnection>> connections_;
  std::atomic<bool> stop_{false};
  std::thread dripper_;
};

struct Timed {
  int status = 0;  // 0: no answer within the timeout
  Micros took{0};
};

Timed TimedRequest(int port, const std::string& request) {
  const auto started = SteadyClock::now();
  RawConnection c(port);
  Timed result;
  if (c.ok() && c.Send(request)) {
    if (auto r = c.ReadResponse(std::chrono::seconds(2))) result.status = r->status;
  }
  result.took = std::chrono::duration_cast<Micros>(SteadyClock::now() - started);
  return result;
}

Timed GoodPost(int port) {
  return TimedRequest(port,
                      "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      "Content-Length: " +
                          std::to_string(kPayload.size()) + "\r\n\r\n" + kPayload);
}

Timed Healthy(int port) { return TimedRequest(port, "GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n"); }

// 20 good POSTs one after the other: each answered 200 within 1 s. Prints median and max.
void ExpectGoodPostsServed(int port, const char* under) {
  std::vector<Micros> took;
  for (int i = 0; i < 20; ++i) {
    Timed r = GoodPost(port);
    EXPECT_EQ(r.status, 200) << under << ", request " << i;
    EXPECT_LT(r.took, Millis(1000)) << under << ", request " << i;
    took.push_back(r.took);
  }
  std::sort(took.begin(), took.end());
  std::cout << "[ measured ] good POST under " << under << ": median " << took[10].count()
            << " us, max " << took.back().count() << " us (20 requests)\n";
}

int ExpectHealthyServed(int port) {
  Timed h = Healthy(port);
  EXPECT_EQ(h.status, 200);
  EXPECT_LT(h.took, Millis(1000));
  return h.status;
}

TEST(ConnectionFloodTest, AThousandSlowHeadersNeverBlockAGoodRequest) {
  RaiseFdLimit(4096);
  RecordingJournal journal;
  RecordingCallback callback;
  RunningServer s = StartServer(ServerOptions{}, callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  SlowClients flood(s.port, kSlowHead, 1000);
  ASSERT_EQ(flood.opened(), 1000u);

  ExpectHealthyServed(s.port);
  ExpectGoodPostsServed(s.port, "1000 slow-header connections");
  EXPECT_EQ(callback.Seen().size(), 20u);
}

TEST(ConnectionFloodTest, TwoHundredSlowBodiesNeverBlockAGoodRequest) {
  RaiseFdLimit(4096);
  RecordingJournal journal;
  RecordingCallback callback;
  RunningServer s = StartServer(ServerOptions{}, callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  SlowClients flood(s.port, kSlowBodyHead, 200);
  ASSERT_EQ(flood.opened(), 200u);
  std::this_thread::sleep_for(Millis(1200));  // the bodies are past their grace

  ExpectHealthyServed(s.port);
  ExpectGoodPostsServed(s.port, "200 slow-body connections");
  EXPECT_EQ(callback.Seen().size(), 20u);
}

TEST(ConnectionFloodTest, BothFloodsAtOnceStillLeaveRoomForAGoodRequest) {
  RaiseFdLimit(4096);
  RecordingJournal journal;
  RecordingCallback callback;
  RunningServer s = StartServer(ServerOptions{}, callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  SlowClients bodies(s.port, kSlowBodyHead, 200);
  SlowClients heads(s.port, kSlowHead, 1000);
  ASSERT_EQ(bodies.opened() + heads.opened(), 1200u);
  std::this_thread::sleep_for(Millis(1200));

  ExpectHealthyServed(s.port);
  Timed post = GoodPost(s.port);
  EXPECT_EQ(post.status, 200);
  EXPECT_LT(post.took, Millis(1000));
  // The drops cost the journal a few entries, not one per connection (the 503s to the
  // bodies beyond MaxConnections= are answers, one entry each).
  unsigned drop_entries = 0;
  for (const AuditEvent& e : journal.Events()) {
    if (FieldOf(e, "REASON") != "over-capacity") ++drop_entries;
  }
  EXPECT_LE(drop_entries, 5u);
}

// The issue's case: MaxConnections= + 16 slow connections made libmicrohttpd stop
// accepting; 65 to 79 had every request answered 503.
TEST(ConnectionFloodTest, EightySlowHeadersLetHealthAndWebhooksThrough) {
  for (int slow : {70, 80}) {
    RecordingJournal journal;
    RecordingCallback callback;
    RunningServer s = StartServer(ServerOptions{}, callback.AsCallback(), journal);
    ASSERT_TRUE(s.server);
    SlowClients flood(s.port, kSlowHead, slow);
    ASSERT_EQ(flood.opened(), static_cast<size_t>(slow));
    std::this_thread::sleep_for(Millis(300));

    EXPECT_EQ(ExpectHealthyServed(s.port), 200) << slow << " slow connections";
    Timed post = GoodPost(s.port);
    EXPECT_EQ(post.status, 200) << slow << " slow connections";
    EXPECT_LT(post.took, Millis(1000)) << slow << " slow connections";
  }
}

// With Auth=, a body without valid credentials is refused before a byte of it is read,
// so it never takes a slot: slow bodies need the secret.
TEST(ConnectionFloodTest, WithAuthABodyWithoutCredentialsIsRefusedAtItsHeaders) {
  RecordingJournal journal;
  RecordingCallback callback;
  ServerOptions options;
  options.max_connections = 1;
  options.auth = AuthKind::kBearer;
  options.auth_secret = "s3cret";
  RunningServer s = StartServer(options, callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 5; ++i) {
    slow.push_back(std::make_unique<RawConnection>(s.port));
    ASSERT_TRUE(
        slow.back()->Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          "Content-Length: 1000\r\n\r\n"));  // headers only: no body byte
    auto r = slow.back()->ReadResponse(std::chrono::seconds(1));
    ASSERT_TRUE(r) << "connection " << i;
    EXPECT_EQ(r->status, 401);
  }

  Timed post = TimedRequest(s.port,
                            "POST / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer s3cret\r\n"
                            "Content-Type: application/json\r\nContent-Length: " +
                                std::to_string(kPayload.size()) + "\r\n\r\n" + kPayload);
  EXPECT_EQ(post.status, 200);
  EXPECT_EQ(callback.Seen().size(), 1u);
}

TEST(ConnectionFloodTest, DropsHeadersThatTrickleInPastTheDeadline) {
  RecordingJournal journal;
  RecordingCallback callback;
  ServerOptions options;
  options.request_timeout = std::chrono::seconds(1);
  RunningServer s = StartServer(options, callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  RawConnection slow(s.port);
  ASSERT_TRUE(slow.ok() && slow.Send(kSlowHead));
  const auto started = SteadyClock::now();

  bool closed = false;  // a byte every 200 ms: libmicrohttpd's idle timeout never fires
  for (int i = 0; i < 15 && !closed; ++i) {
    closed = !slow.Send("x") || slow.WaitClosed(kDrip);
  }

  EXPECT_TRUE(closed);
  EXPECT_LT(SteadyClock::now() - started, Millis(2000));
  ASSERT_TRUE(Eventually([&] { return journal.Events().size() == 1; }));
  const AuditEvent e = journal.Events()[0];
  EXPECT_EQ(FieldOf(e, "REASON"), "headers-deadline");
  EXPECT_EQ(FieldOf(e, "REMOTE"), "127.0.0.1:" + std::to_string(slow.LocalPort()));
}

TEST(ConnectionFloodTest, DropsABodyThatTricklesInPastTheDeadline) {
  RecordingJournal journal;
  RecordingCallback callback;
  ServerOptions options;
  options.request_timeout = std::chrono::seconds(1);
  RunningServer s = StartServer(options, callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  RawConnection slow(s.port);
  ASSERT_TRUE(slow.ok() && slow.Send(kSlowBodyHead));
  const auto started = SteadyClock::now();

  bool closed = false;
  for (int i = 0; i < 15 && !closed; ++i) {
    closed = !slow.Send("x") || slow.WaitClosed(kDrip);
  }

  EXPECT_TRUE(closed);
  EXPECT_LT(SteadyClock::now() - started, Millis(2000));
  EXPECT_TRUE(callback.Seen().empty());
  ASSERT_TRUE(Eventually([&] { return journal.Events().size() == 1; }));
  EXPECT_EQ(FieldOf(journal.Events()[0], "REASON"), "body-deadline");
}

TEST(ConnectionFloodTest, ManyDropsGetAFewEntriesAndACount) {
  RecordingJournal journal;
  RecordingCallback callback;
  ServerOptions options;
  options.request_timeout = std::chrono::seconds(1);
  RunningServer s = StartServer(options, callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  {
    SlowClients flood(s.port, kSlowHead, 40);
    ASSERT_EQ(flood.opened(), 40u);
    std::this_thread::sleep_for(Millis(1600));  // past the deadline of all of them
  }
  s.server.reset();  // the counts not yet summarised are written at the stop

  unsigned individual = 0, counted = 0;
  for (const AuditEvent& e : journal.Events()) {
    ASSERT_EQ(FieldOf(e, "REASON"), "headers-deadline") << e.message;
    if (FieldOf(e, "COUNT").empty()) {
      ++individual;
    } else {
      counted += static_cast<unsigned>(std::stoul(FieldOf(e, "COUNT")));
    }
  }
  EXPECT_EQ(individual, 5u);
  EXPECT_EQ(individual + counted, 40u);
}

}  // namespace
}  // namespace selfheal
