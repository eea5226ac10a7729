// The client against a real HTTP receiver on 127.0.0.1 (libmicrohttpd, one internal
// thread), so what is tested is what goes over the socket.
#include "escalate/alertmanager_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace selfheal {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

struct SeenRequest {
  std::string method;
  std::string url;
  std::string content_type;
  std::string body;
};

// Answers every request with `status` and `answer`, after `delay` (cut short when the
// receiver is destroyed), and records what it was sent.
class AlertmanagerReceiver {
 public:
  AlertmanagerReceiver(unsigned status, std::string answer, Duration delay = Duration::zero())
      : status_(status), answer_(std::move(answer)), delay_(delay) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = 0;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    daemon_ = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, nullptr, nullptr, &Handle, this,
                               MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_NOTIFY_COMPLETED, &Completed,
                               nullptr, MHD_OPTION_END);
    if (daemon_ != nullptr) {
      const MHD_DaemonInfo* info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
      port_ = info != nullptr ? info->port : 0;
    }
  }
  ~AlertmanagerReceiver() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (daemon_ != nullptr) MHD_stop_daemon(daemon_);
  }
  AlertmanagerReceiver(const AlertmanagerReceiver&) = delete;
  AlertmanagerReceiver& operator=(const AlertmanagerReceiver&) = delete;

  bool ok() const { return daemon_ != nullptr && port_ != 0; }
  std::string BaseUrl() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<SeenRequest> Seen() const {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  static MHD_Result Handle(void* cls, MHD_Connection* connection, const char* url,
                           const char* method, const char* /*version*/, const char* upload_data,
                           size_t* upload_data_size, void** con_cls) {
    auto* self = static_cast<AlertmanagerReceiver*>(cls);
    auto* request = static_cast<SeenRequest*>(*con_cls);
    if (request == nullptr) {
      const char* type = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Content-Type");
      *con_cls = new SeenRequest{method, url, type != nullptr ? type : "", ""};
      return MHD_YES;
    }
    if (*upload_data_size > 0) {
      request->body.append(upload_data, *upload_data_size);
      *upload_data_size = 0;
      return MHD_YES;
    }
    {
      std::unique_lock<std::mutex> lock(self->mu_);
      self->seen_.push_back(*request);
      self->wake_.wait_for(lock, self->delay_, [self] { return self->stopping_; });
    }
    MHD_Response* response = MHD_create_response_from_buffer(
        self->answer_.size(), const_cast<char*>(self->answer_.data()), MHD_RESPMEM_MUST_COPY);
    MHD_Result queued = MHD_queue_response(connection, self->status_, response);
    MHD_destroy_response(response);
    return queued;
  }

  static void Completed(void* /*cls*/, MHD_Connection* /*connection*/, void** con_cls,
                        MHD_RequestTerminationCode /*code*/) {
    delete static_cast<SeenRequest*>(*con_cls);
    *con_cls = nullptr;
  }

  const unsigned status_;
  const std::string answer_;
  const Duration delay_;
  MHD_Daemon* daemon_ = nullptr;
  uint16_t port_ = 0;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<SeenRequest> seen_;
};

// A loopback port nothing listens on: bound, read back, closed.
int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  if (fd >= 0) ::close(fd);
  return port;
}

// Sets an environment variable for one test and restores it after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

const std::string kPayload =
    R"([{"labels":{"alertname":"SelfHealExhausted","instance":"web-1:9100"},)"
    R"("annotations":{"summary":"Grüße \"x\""},"startsAt":"2026-11-22T12:00:00.000Z"}])";

TEST(EscalationClientTest, DeliversTheExactBodyAsJsonToApiV2Alerts) {
  AlertmanagerReceiver am(200, "");
  ASSERT_TRUE(am.ok());
  AlertmanagerClient client(am.BaseUrl());

  Status sent = client.Post(kPayload);

  ASSERT_TRUE(sent.ok()) << sent.error().message;
  std::vector<SeenRequest> seen = am.Seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].url, "/api/v2/alerts");
  EXPECT_EQ(seen[0].content_type, "application/json");
  EXPECT_EQ(seen[0].body, kPayload);
}

TEST(EscalationClientTest, ATrailingSlashOnTheBaseUrlIsIgnored) {
  AlertmanagerReceiver am(200, "");
  ASSERT_TRUE(am.ok());
  AlertmanagerClient client(am.BaseUrl() + "/");
  EXPECT_EQ(client.url(), am.BaseUrl() + "/api/v2/alerts");
  ASSERT_TRUE(client.Post(kPayload).ok());
  ASSERT_EQ(am.Seen().size(), 1u);
  EXPECT_EQ(am.Seen()[0].url, "/api/v2/alerts");
}

TEST(EscalationClientTest, ServerErrorIsUnavailableSoTheEscalationIsRetried) {
  AlertmanagerReceiver am(500, "boom\n");
  ASSERT_TRUE(am.ok());
  Status sent = AlertmanagerClient(am.BaseUrl()).Post(kPayload);
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().code, Errc::kUnavailable);
  EXPECT_NE(sent.error().message.find("500"), std::string::npos) << sent.error().message;
  EXPECT_NE(sent.error().message.find("boom\\n"), std::string::npos) << sent.error().message;
}

TEST(EscalationClientTest, TooManyRequestsIsUnavailable) {
  AlertmanagerReceiver am(429, "");
  ASSERT_TRUE(am.ok());
  Status sent = AlertmanagerClient(am.BaseUrl()).Post(kPayload);
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().code, Errc::kUnavailable);
}

TEST(EscalationClientTest, RejectedPayloadIsInvalidInputQuotingTheFirst200BytesOfTheAnswer) {
  std::string answer = "{\"code\":400,\"message\":\"" + std::string(400, 'x') + "\"}";
  AlertmanagerReceiver am(400, answer);
  ASSERT_TRUE(am.ok());
  Status sent = AlertmanagerClient(am.BaseUrl()).Post(kPayload);
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().code, Errc::kInvalidInput);
  const std::string& message = sent.error().message;
  EXPECT_NE(message.find("answered 400"), std::string::npos) << message;
  EXPECT_NE(message.find("{\"code\":400"), std::string::npos) << message;
  EXPECT_EQ(message.find(std::string(200, 'x')), std::string::npos) << "not cut: " << message;
  EXPECT_LT(message.size(), 400u);
}

TEST(EscalationClientTest, NothingListeningIsUnavailableAtOnce) {
  int port = FreePort();
  ASSERT_NE(port, 0);
  AlertmanagerClient client("http://127.0.0.1:" + std::to_string(port));
  auto start = SteadyClock::now();
  Status sent = client.Post(kPayload);
  auto took = SteadyClock::now() - start;
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().code, Errc::kUnavailable);
  EXPECT_NE(sent.error().message.find(std::to_string(port)), std::string::npos)
      << sent.error().message;
  EXPECT_LT(took, 1s);
}

TEST(EscalationClientTest, SlowAlertmanagerIsUnavailableOnceTheTimeoutPasses) {
  AlertmanagerReceiver am(200, "", 30s);
  ASSERT_TRUE(am.ok());
  AlertmanagerClient client(am.BaseUrl(), 500ms);
  auto start = SteadyClock::now();
  Status sent = client.Post(kPayload);
  auto took = SteadyClock::now() - start;
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().code, Errc::kUnavailable);
  EXPECT_GE(took, 450ms);
  EXPECT_LT(took, 1500ms);
}

TEST(EscalationClientTest, ProxyFromTheEnvironmentIsNotUsed) {
  AlertmanagerReceiver am(200, "");
  ASSERT_TRUE(am.ok());
  std::string dead_proxy = "http://127.0.0.1:" + std::to_string(FreePort());
  ScopedEnv http_proxy("http_proxy", dead_proxy.c_str());
  ScopedEnv all_proxy("ALL_PROXY", dead_proxy.c_str());
  Status sent = AlertmanagerClient(am.BaseUrl()).Post(kPayload);
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  EXPECT_EQ(am.Seen().size(), 1u);
}

TEST(EscalationClientTest, OnlyHttpAndHttpsAreSpoken) {
  Status sent = AlertmanagerClient("file:///etc", 1s).Post(kPayload);
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().code, Errc::kInvalidInput) << sent.error().message;
}

}  // namespace
}  // namespace selfheal
