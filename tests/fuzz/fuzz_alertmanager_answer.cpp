// libFuzzer entry point for the deliverer's side of a delivery: the input is the raw
// bytes Alertmanager answers (status line, headers, body; or anything else), sent by a
// server on 127.0.0.1 to a real AlertmanagerClient::Post(), so libcurl parses them
// and self-heal's code keeps the answer and turns it into a Status. Beyond "no crash,
// no sanitizer report" it checks what alertmanager_client.h promises: Ok or one of
// the two documented error codes, a message naming the URL, one line of printable
// bytes however the answer looked, bounded in size.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "escalate/alertmanager_client.h"

namespace {

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

const std::string kPayload = R"([{"labels":{"alertname":"SelfHealExhausted"}}])";

// One connection at a time: read the request whole, write the answer, close.
class ScriptedReceiver {
 public:
  ScriptedReceiver() {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    Check(listen_fd_ >= 0, "socket");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    Check(bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0, "bind");
    socklen_t len = sizeof addr;
    Check(getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0, "getsockname");
    Check(listen(listen_fd_, 4) == 0, "listen");
    port_ = ntohs(addr.sin_port);
    std::thread([this] { Serve(); }).detach();  // lives as long as the process
  }

  void SetAnswer(std::string_view answer) {
    std::lock_guard<std::mutex> lock(mu_);
    answer_.assign(answer);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Connections accepted so far: each Post() must have been one, or the input was
  // never answered (a refused connect would pass every other check).
  unsigned long accepted() const { return accepted_.load(); }

 private:
  void Serve() {
    for (;;) {
      int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      accepted_.fetch_add(1);
      timeval timeout{2, 0};
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
      setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
      ReadRequest(fd);
      std::string answer;
      {
        std::lock_guard<std::mutex> lock(mu_);
        answer = answer_;
      }
      size_t sent = 0;
      while (sent < answer.size()) {
        ssize_t n = send(fd, answer.data() + sent, answer.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<size_t>(n);
      }
      shutdown(fd, SHUT_WR);
      close(fd);
    }
  }

  // The client sends its headers, then exactly kPayload.
  static void ReadRequest(int fd) {
    std::string request;
    char buffer[4096];
    for (;;) {
      size_t head_end = request.find("\r\n\r\n");
      if (head_end != std::string::npos && request.size() >= head_end + 4 + kPayload.size()) {
        return;
      }
      ssize_t n = recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) return;
      request.append(buffer, static_cast<size_t>(n));
    }
  }

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<unsigned long> accepted_{0};
  std::mutex mu_;
  std::string answer_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static ScriptedReceiver* const receiver = new ScriptedReceiver();
  receiver->SetAnswer(std::string_view(reinterpret_cast<const char*>(data), size));
  selfheal::AlertmanagerClient client(receiver->url() + "/", std::chrono::seconds(3));
  const unsigned long accepted_before = receiver->accepted();
  selfheal::Status status = client.Post(kPayload);
  Check(receiver->accepted() == accepted_before + 1, "the answer was sent: one connection");
  if (status.ok()) return 0;
  const selfheal::Error& error = status.error();
  Check(error.code == selfheal::Errc::kUnavailable || error.code == selfheal::Errc::kInvalidInput,
        "a failed delivery is kUnavailable or kInvalidInput");
  Check(error.message.find(client.url()) != std::string::npos, "the message names the URL");
  Check(error.message.size() < 2048, "message size");
  for (char c : error.message) {
    Check(static_cast<unsigned char>(c) >= 0x20 && c != 0x7F, "message has no control bytes");
  }
  return 0;
}
