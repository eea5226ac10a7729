// The server's limits and its life cycle: body size, slow clients, capacity,
// keep-alive, idleness and quiescing. Every wait is bounded.
#include <gtest/gtest.h>
#include <syslog.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "http/server.h"
#include "http/test_support.h"

namespace selfheal {
namespace {

using namespace http_test;
using SteadyClock = std::chrono::steady_clock;

const std::string kJsonHeader = "Content-Type: application/json";
const std::string kPayload = R"({"version":"4","alerts":[]})";

ServerOptions SmallOptions() {
  ServerOptions options;
  options.webhook_path = "/";
  options.max_body_bytes = 1024;
  return options;
}

std::string PostHead(const std::string& extra_headers) {
  return "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
         extra_headers + "\r\n";
}

std::string Chunk(const std::string& data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + data + "\r\n";
}

TEST(HttpServerTest, AnswersAHugeContentLengthWith413BeforeTheBodyIsSent) {
  RecordingJournal journal;
  RecordingCallback callback;
  RunningServer s = StartServer(SmallOptions(), callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  RawConnection c(s.port);
  ASSERT_TRUE(c.ok());

  // Headers only: the 413 must come without a single body byte sent.
  ASSERT_TRUE(c.Send(PostHead("Content-Length: 100000000\r\n")));
  auto r = c.ReadResponse();

  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->Header("Connection"), "close");
  EXPECT_EQ(r->body, "{\"error\":\"Content-Length 100000000 exceeds the limit of 1024 bytes\"}");
  EXPECT_TRUE(c.WaitClosed(std::chrono::seconds(3)));
  EXPECT_TRUE(callback.Seen().empty());
  ASSERT_EQ(journal.Events().size(), 1u);
  EXPECT_EQ(FieldOf(journal.Events()[0], "REASON"), "body-too-large");
  EXPECT_EQ(FieldOf(journal.Events()[0], "HTTP_STATUS"), "413");
}

TEST(HttpServerTest, LeavesOversizedHeadersToLibmicrohttpdAndJournalsThem) {
  RecordingJournal journal;
  RecordingCallback callback;
  RunningServer s = StartServer(SmallOptions(), callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  RawConnection c(s.port);
  ASSERT_TRUE(c.ok());

  ASSERT_TRUE(c.Send(
      PostHead("X-Padding: " + std::string(40 * 1024, 'x') + "\r\n" + "Content-Length: 2\r\n") +
      "{}"));
  auto r = c.ReadResponse();

  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);  // Request Header Fields Too Large, from libmicrohttpd
  EXPECT_TRUE(callback.Seen().empty());
  ASSERT_TRUE(Eventually([&] { return journal.Events().size() == 1; }));
  const AuditEvent e = journal.Events()[0];
  EXPECT_EQ(e.priority, LOG_WARNING);
  EXPECT_EQ(FieldOf(e, "REASON"), "headers-too-large");
  EXPECT_EQ(FieldOf(e, "HTTP_STATUS"), "431");  // read from libmicrohttpd's own answer
  EXPECT_EQ(FieldOf(e, "HTTP_PATH"), "/");
  EXPECT_EQ(FieldOf(e, "REMOTE"), "127.0.0.1:" + std::to_string(c.LocalPort()));
  EXPECT_NE(FieldOf(e, "ERROR").find("431"), std::string::npos) << FieldOf(e, "ERROR");
}

TEST(HttpServerTest, AcceptsABodyOfExactlyTheLimit) {
  RecordingJournal journal;
  RecordingCallback callback;
  RunningServer s = StartServer(SmallOptions(), callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  const std::string body = "\"" + std::string(1022, 'x') + "\"";

  CurlResult r = Curl(s.Url("/"), "POST", body, {kJsonHeader});

  EXPECT_EQ(r.status, 200);
  ASSERT_EQ(callback.Seen().size(), 1u);
  EXPECT_EQ(callback.Seen()[0].body, body);
}

TEST(HttpServerTest, AnswersExpect100ContinueWith413SoTheBodyIsNeverSent) {
  RecordingJournal journal;
  RecordingCallback callback;
  RunningServer s = StartServer(SmallOptions(), callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  const auto started = SteadyClock::now();

  CurlResult r =
      Curl(s.Url("/"), "POST", std::string(4096, ' '), {kJsonHeader, "Expect: 100-continue"});

  EXPECT_EQ(r.status, 413);
  // curl sends the body anyway after waiting 1 s for "100 Continue"; it did not wait.
  EXPECT_LT(SteadyClock::now() - started, std::chrono::milliseconds(900));
  EXPECT_TRUE(callback.Seen().empty());
}

TEST(HttpServerTest, ContinuesAnExpect100RequestWithinTheLimit) {
  RecordingJournal journal;
  RecordingCallback callback;
  RunningServer s = StartServer(SmallOptions(), callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  const auto started = SteadyClock::now();

  CurlResult r = Curl(s.Url("/"), "POST", kPayload, {kJsonHeader, "Expect: 100-continue"});

  EXPECT_EQ(r.status, 200);
  EXPECT_LT(SteadyClock::now() - started, std::chrono::milliseconds(900));
  ASSERT_EQ(callback.Seen().size(), 1u);
  EXPECT_EQ(callback.Seen()[0].body, kPayload);
}

TEST(HttpServerTest, ReassemblesAChunkedBodyUnderTheLimit) {
  RecordingJournal journal;
  RecordingCallback callback;
  RunningServer s = StartServer(SmallOptions(), callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  RawConnection c(s.port);
  ASSERT_TRUE(c.ok());

  ASSERT_TRUE(c.Send(PostHead("Transfer-Encoding: chunked\r\n") + Chunk("{\"version\":") +
                     Chunk("\"4\"}") + "0\r\n\r\n"));
  auto r = c.ReadResponse();

  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  ASSERT_EQ(callback.Seen().size(), 1u);
  EXPECT_EQ(callback.Seen()[0].body, "{\"version\":\"4\"}");
}

TEST(HttpServerTest, CutsOffAChunkedBodyOverTheLimitWith413) {
  RecordingJournal journal;
  RecordingCallback callback;
  RunningServer s = StartServer(SmallOptions(), callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  RawConnection c(s.port);
  ASSERT_TRUE(c.ok());

  std::string request = PostHead("Transfer-Encoding: chunked\r\n");
  for (int i = 0; i < 8; ++i) request += Chunk(std::string(1000, 'x'));
  request += "0\r\n\r\n";
  ASSERT_TRUE(c.Send(request));
  auto r = c.ReadResponse();

  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->Header("Connection"), "close");
  EXPECT_TRUE(callback.Seen().empty());
  ASSERT_EQ(journal.Events().size(), 1u);
  EXPECT_EQ(FieldOf(journal.Events()[0], "REASON"), "body-too-large");
}

TEST(HttpServerTest, ClosesAnEndlessChunkedBodyInsteadOfReadingForever) {
  RecordingJournal journal;
  RecordingCallback callback;
  RunningServer s = StartServer(SmallOptions(), callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  RawConnection c(s.port);
  ASSERT_TRUE(c.ok());

  ASSERT_TRUE(c.Send(PostHead("Transfer-Encoding: chunked\r\n")));
  const std::string chunk = Chunk(std::string(64 * 1024, 'x'));
  bool refused = false;
  for (int i = 0; i < 64 && !refused; ++i) refused = !c.Send(chunk);  // 4 MiB at most

  EXPECT_TRUE(refused || c.WaitClosed(std::chrono::seconds(3)));
  EXPECT_TRUE(callback.Seen().empty());
  EXPECT_TRUE(Eventually([&] { return journal.Events().size() == 1; }));
}

TEST(HttpServerTest, ClosesSlowHeadersAfterTheRequestTimeoutWhileServingOthers) {
  RecordingJournal journal;
  RecordingCallback callback;
  ServerOptions options = SmallOptions();
  options.request_timeout = std::chrono::seconds(1);
  RunningServer s = StartServer(options, callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  RawConnection slow(s.port);
  ASSERT_TRUE(slow.ok());
  const auto started = SteadyClock::now();

  ASSERT_TRUE(slow.Send("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le"));
  CurlResult meanwhile = Curl(s.Url("/"), "POST", kPayload, {kJsonHeader});
  bool closed = slow.WaitClosed(std::chrono::seconds(3));

  EXPECT_EQ(meanwhile.status, 200);
  EXPECT_TRUE(closed);
  EXPECT_LT(SteadyClock::now() - started, std::chrono::seconds(3));
  ASSERT_TRUE(Eventually([&] { return journal.Events().size() == 1; }));
  EXPECT_EQ(FieldOf(journal.Events()[0], "REASON"), "headers-deadline");
}

TEST(HttpServerTest, ClosesASlowBodyAfterTheRequestTimeout) {
  RecordingJournal journal;
  RecordingCallback callback;
  ServerOptions options = SmallOptions();
  options.request_timeout = std::chrono::seconds(1);
  RunningServer s = StartServer(options, callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  RawConnection slow(s.port);
  ASSERT_TRUE(slow.ok());
  const auto started = SteadyClock::now();

  ASSERT_TRUE(slow.Send(PostHead("Content-Length: 100\r\n") + "{\"version\":"));

  EXPECT_TRUE(slow.WaitClosed(std::chrono::seconds(3)));
  EXPECT_LT(SteadyClock::now() - started, std::chrono::seconds(3));
  EXPECT_TRUE(callback.Seen().empty());
  ASSERT_TRUE(Eventually([&] { return journal.Events().size() == 1; }));
  EXPECT_EQ(FieldOf(journal.Events()[0], "REASON"), "body-deadline");
}

// Only bodies hold a slot of MaxConnections=; bodies younger than a second keep theirs.
TEST(HttpServerTest, AnswersOverCapacityWith503RatherThanDropping) {
  RecordingJournal journal;
  RecordingCallback callback;
  ServerOptions options = SmallOptions();
  options.max_connections = 2;
  RunningServer s = StartServer(options, callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  RawConnection body1(s.port), body2(s.port);
  ASSERT_TRUE(body1.ok() && body2.ok());
  ASSERT_TRUE(body1.Send(PostHead("Content-Length: 100\r\n") + "{"));
  ASSERT_TRUE(body2.Send(PostHead("Content-Length: 100\r\n") + "{"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // both admitted

  RawConnection third(s.port);
  ASSERT_TRUE(third.ok());
  ASSERT_TRUE(third.Send(PostHead("Content-Length: " + std::to_string(kPayload.size()) + "\r\n") +
                         kPayload));
  auto r = third.ReadResponse();

  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->Header("Retry-After"), "1");
  EXPECT_EQ(r->Header("Content-Type"), "application/json");
  EXPECT_TRUE(callback.Seen().empty());
  ASSERT_EQ(journal.Events().size(), 1u);
  EXPECT_EQ(FieldOf(journal.Events()[0], "REASON"), "over-capacity");
  EXPECT_EQ(FieldOf(journal.Events()[0], "HTTP_STATUS"), "503");
  EXPECT_EQ(journal.Events()[0].priority, LOG_ERR);  // a 5xx is an error
  EXPECT_TRUE(third.WaitClosed(std::chrono::seconds(3)));
  // Connections that hold no body take no slot: health is answered meanwhile.
  EXPECT_EQ(Curl(s.Url("/-/healthy"), "GET", std::nullopt, {}).status, 200);
}

TEST(HttpServerTest, ServesAgainOnceABodyHoldingTheSlotCloses) {
  RecordingJournal journal;
  RecordingCallback callback;
  ServerOptions options = SmallOptions();
  options.max_connections = 1;
  RunningServer s = StartServer(options, callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  {
    RawConnection body(s.port);
    ASSERT_TRUE(body.ok() && body.Send(PostHead("Content-Length: 100\r\n") + "{"));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_EQ(Curl(s.Url("/"), "POST", kPayload, {kJsonHeader}).status, 503);
  }
  ASSERT_TRUE(Eventually([&] { return s.server->IdleFor(Duration::zero()); }));
  EXPECT_EQ(Curl(s.Url("/"), "POST", kPayload, {kJsonHeader}).status, 200);
}

TEST(HttpServerTest, ServesSeveralRequestsOnOneKeptAliveConnection) {
  RecordingJournal journal;
  RecordingCallback callback;
  RunningServer s = StartServer(SmallOptions(), callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  RawConnection c(s.port);
  ASSERT_TRUE(c.ok());

  for (int i = 0; i < 3; ++i) {
    const std::string body = "{\"n\":" + std::to_string(i) + "}";
    ASSERT_TRUE(c.Send(PostHead("Content-Length: " + std::to_string(body.size()) + "\r\n") + body));
    auto r = c.ReadResponse();
    ASSERT_TRUE(r) << "request " << i;
    EXPECT_EQ(r->status, 200);
    EXPECT_FALSE(r->Header("Connection").has_value());
  }
  auto seen = callback.Seen();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[2].body, "{\"n\":2}");
  EXPECT_EQ(seen[0].remote, seen[2].remote);  // the same client port: one connection
}

TEST(HttpServerTest, IsNotIdleWhileAConnectionIsOpenAndIdleAfterItCloses) {
  RecordingJournal journal;
  RecordingCallback callback;
  RunningServer s = StartServer(SmallOptions(), callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  EXPECT_TRUE(s.server->IdleFor(Duration::zero()));  // the start counts as the last close
  EXPECT_FALSE(s.server->IdleFor(std::chrono::hours(1)));

  auto c = std::make_unique<RawConnection>(s.port);
  ASSERT_TRUE(c->ok());
  ASSERT_TRUE(Eventually([&] { return !s.server->IdleFor(Duration::zero()); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  EXPECT_FALSE(s.server->IdleFor(std::chrono::milliseconds(100)));  // open, not idle

  c.reset();
  ASSERT_TRUE(Eventually([&] { return s.server->IdleFor(Duration::zero()); }));
  EXPECT_FALSE(s.server->IdleFor(std::chrono::minutes(1)));  // just closed
  EXPECT_TRUE(Eventually([&] { return s.server->IdleFor(std::chrono::milliseconds(100)); }));
}

TEST(HttpServerTest, QuiesceCompletesTheRequestInProgress) {
  RecordingJournal journal;
  std::promise<void> entered;
  std::atomic<bool> entered_once{false};
  RunningServer s = StartServer(
      SmallOptions(),
      [&](const WebhookRequest& request) {
        if (!entered_once.exchange(true)) entered.set_value();
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        return HttpResponse{200, "{\"got\":" + request.body + "}"};
      },
      journal);
  ASSERT_TRUE(s.server);

  auto client =
      std::async(std::launch::async, [&] { return Curl(s.Url("/"), "POST", "1", {kJsonHeader}); });
  ASSERT_EQ(entered.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  const auto started = SteadyClock::now();
  s.server->Quiesce(std::chrono::seconds(5));
  const auto took = SteadyClock::now() - started;

  ASSERT_EQ(client.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  CurlResult r = client.get();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"got\":1}");
  EXPECT_TRUE(r.HasHeader("Connection: close")) << r.headers;
  EXPECT_LT(took, std::chrono::seconds(4));  // returned when the connection closed
  EXPECT_TRUE(journal.Events().empty());
}

TEST(HttpServerTest, QuiesceGivesUpOnAnIdleConnectionAfterTheGrace) {
  RecordingJournal journal;
  RecordingCallback callback;
  RunningServer s = StartServer(SmallOptions(), callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  RawConnection idle(s.port);
  ASSERT_TRUE(idle.ok());
  ASSERT_TRUE(Eventually([&] { return !s.server->IdleFor(Duration::zero()); }));

  const auto started = SteadyClock::now();
  s.server->Quiesce(std::chrono::milliseconds(200));
  const auto took = SteadyClock::now() - started;

  EXPECT_GE(took, std::chrono::milliseconds(200));
  EXPECT_LT(took, std::chrono::seconds(3));
  EXPECT_TRUE(idle.WaitClosed(std::chrono::seconds(3)));
}

// With socket activation systemd keeps its own copy of the listening socket. After a
// quiesce, a connection waits in the kernel's queue until the next start serves it.
TEST(HttpServerTest, ConnectionsQueuedAfterQuiesceAreServedByTheNextStart) {
  RecordingJournal journal;
  RecordingCallback callback;
  int port = 0;
  Expected<int> systemd_fd = BindListen("127.0.0.1:0", &port);
  ASSERT_TRUE(systemd_fd.ok());
  auto first =
      HttpServer::Start(dup(systemd_fd.value()), SmallOptions(), callback.AsCallback(), journal);
  ASSERT_TRUE(first.ok());
  first.value()->Quiesce(std::chrono::seconds(1));

  RawConnection queued(port);  // accepted by the kernel, not by any server yet
  ASSERT_TRUE(queued.ok());
  ASSERT_TRUE(queued.Send(PostHead("Content-Length: " + std::to_string(kPayload.size()) + "\r\n") +
                          kPayload));
  EXPECT_FALSE(queued.ReadResponse(std::chrono::milliseconds(300)));

  auto second =
      HttpServer::Start(dup(systemd_fd.value()), SmallOptions(), callback.AsCallback(), journal);
  ASSERT_TRUE(second.ok());
  auto r = queued.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(callback.Seen().size(), 1u);
  second.value().reset();
  close(systemd_fd.value());
}

}  // namespace
}  // namespace selfheal
