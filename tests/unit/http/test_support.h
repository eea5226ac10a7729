// test_support.h — what the HTTP tests share: a recording journal and callback, a
// server on an ephemeral 127.0.0.1 port, a raw-socket client (for the bytes libcurl
// would never send) and a small libcurl wrapper. Every wait here has a deadline.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "fixtures.h"
#include "http/server.h"
#include "journal/journal.h"

namespace selfheal::http_test {

using namespace std::chrono_literals;

struct RecordingJournal : JournalSink {
  void Write(const AuditEvent& event) override {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(event);
  }
  std::vector<AuditEvent> Events() const {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<AuditEvent> events_;
};

// The value of `name` among an event's fields, or "" when absent.
std::string FieldOf(const AuditEvent& event, std::string_view name);

// Records what reached the webhook callback and answers `response`.
struct RecordingCallback {
  WebhookCallback AsCallback();
  std::vector<WebhookRequest> Seen() const;

  HttpResponse response{200, "{\"status\":\"accepted\"}"};

 private:
  mutable std::mutex mu_;
  std::vector<WebhookRequest> seen_;
};

struct RunningServer {
  std::unique_ptr<HttpServer> server;  // null when it failed to start (test failed)
  int port = 0;
  std::string Url(std::string_view path) const;
};

// Binds 127.0.0.1:0 and starts a server on it; records a test failure on error.
RunningServer StartServer(const ServerOptions& options, WebhookCallback callback,
                          JournalSink& journal);

struct RawResponse {
  int status = 0;
  std::string head;  // status line and headers
  std::string body;
  // The first value of header `name` (case-insensitive), or nullopt.
  std::optional<std::string> Header(std::string_view name) const;
};

// A blocking TCP connection to 127.0.0.1:port that reads with deadlines.
class RawConnection {
 public:
  explicit RawConnection(int port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool ok() const { return fd_ >= 0; }
  // The client's port: the server journals it as REMOTE "127.0.0.1:PORT".
  int LocalPort() const;
  bool Send(std::string_view bytes);
  // Reads one response (Content-Length framed; no body when `head_request`).
  std::optional<RawResponse> ReadResponse(Duration timeout = std::chrono::seconds(5),
                                          bool head_request = false);
  // True once the server has closed the connection (EOF or reset) within `timeout`;
  // anything it sends meanwhile is dropped.
  bool WaitClosed(Duration timeout);
  // Every byte the server sends until it closes (or `timeout` passes), unparsed: to
  // count how many answers a request got.
  std::string ReadUntilClosed(Duration timeout = std::chrono::seconds(5));

 private:
  bool Fill(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string buffered_;
};

struct CurlResult {
  int curl_code = -1;  // CURLE_OK is 0
  long status = 0;
  std::string headers;  // raw response header lines
  std::string body;
  long connects = 0;                            // new connections this transfer made (0: reused)
  bool HasHeader(std::string_view line) const;  // exact "Name: value", case-sensitive
};

// One request with libcurl; `body` set means a POST with that body.
CurlResult Curl(const std::string& url, const std::string& method, std::optional<std::string> body,
                const std::vector<std::string>& headers);

// A reusable libcurl handle, for keep-alive.
class CurlSession {
 public:
  CurlSession();
  ~CurlSession();
  CurlSession(const CurlSession&) = delete;
  CurlSession& operator=(const CurlSession&) = delete;
  CurlResult Perform(const std::string& url, const std::string& method,
                     std::optional<std::string> body, const std::vector<std::string>& headers);

 private:
  void* handle_;
};

// Polls `condition` every 10 ms until it holds or `timeout` passes.
template <typename F>
bool Eventually(F condition, Duration timeout = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

using fixtures::Path;
using fixtures::ReadBytes;
// The value of header `name` in a captured .http request, exactly as sent.
std::string FixtureHeader(const std::string& http_bytes, std::string_view name);

}  // namespace selfheal::http_test
