#include "http/test_support.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <fstream>
#include <sstream>

namespace selfheal::http_test {

namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

size_t AppendTo(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

CurlResult PerformOn(CURL* curl, const std::string& url, const std::string& method,
                     const std::optional<std::string>& body,
                     const std::vector<std::string>& headers) {
  CurlResult result;
  curl_slist* list = nullptr;
  for (const std::string& h : headers) list = curl_slist_append(list, h.c_str());
  // No "Expect: 100-continue" round trip unless a test asks for it.
  bool expect = std::any_of(headers.begin(), headers.end(),
                            [](const std::string& h) { return h.rfind("Expect:", 0) == 0; });
  if (!expect) list = curl_slist_append(list, "Expect:");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &AppendTo);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &AppendTo);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &result.headers);
  if (body) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
  } else {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  }
  if (method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 0L);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  result.curl_code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.status);
  curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &result.connects);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, nullptr);
  curl_slist_free_all(list);
  return result;
}

}  // namespace

std::string FieldOf(const AuditEvent& event, std::string_view name) {
  for (const auto& [key, value] : event.fields) {
    if (key == name) return value;
  }
  return "";
}

WebhookCallback RecordingCallback::AsCallback() {
  return [this](const WebhookRequest& request) {
    std::lock_guard<std::mutex> lock(mu_);
    seen_.push_back(request);
    return response;
  };
}

std::vector<WebhookRequest> RecordingCallback::Seen() const {
  std::lock_guard<std::mutex> lock(mu_);
  return seen_;
}

std::string RunningServer::Url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port) + std::string(path);
}

RunningServer StartServer(const ServerOptions& options, WebhookCallback callback,
                          JournalSink& journal) {
  RunningServer running;
  Expected<int> fd = BindListen("127.0.0.1:0", &running.port);
  if (!fd.ok()) {
    ADD_FAILURE() << "BindListen: " << fd.error().message;
    return running;
  }
  auto server = HttpServer::Start(fd.value(), options, std::move(callback), journal);
  if (!server.ok()) {
    ADD_FAILURE() << "Start: " << server.error().message;
    return running;
  }
  running.server = std::move(server).value();
  return running;
}

std::optional<std::string> RawResponse::Header(std::string_view name) const {
  std::istringstream lines(head);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t colon = line.find(':');
    if (colon == std::string::npos || !EqualsIgnoreCase(line.substr(0, colon), name)) continue;
    size_t start = line.find_first_not_of(' ', colon + 1);
    return start == std::string::npos ? "" : line.substr(start);
  }
  return std::nullopt;
}

RawConnection::RawConnection(int port) {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return;
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(static_cast<uint16_t>(port));
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{5, 0};
  setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0) {
    close(fd_);
    fd_ = -1;
  }
}

int RawConnection::LocalPort() const {
  sockaddr_in sin{};
  socklen_t length = sizeof sin;
  if (fd_ < 0 || getsockname(fd_, reinterpret_cast<sockaddr*>(&sin), &length) != 0) return 0;
  return ntohs(sin.sin_port);
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) close(fd_);
}

bool RawConnection::Send(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Reads whatever arrives before `deadline`; false on EOF, error or timeout.
bool RawConnection::Fill(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return false;
  pollfd p{fd_, POLLIN, 0};
  int ready = poll(&p, 1, static_cast<int>(left.count()));
  if (ready <= 0) return false;
  char buf[4096];
  ssize_t n = recv(fd_, buf, sizeof buf, 0);
  if (n <= 0) return false;
  buffered_.append(buf, static_cast<size_t>(n));
  return true;
}

std::optional<RawResponse> RawConnection::ReadResponse(Duration timeout, bool head_request) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  size_t end;
  while ((end = buffered_.find("\r\n\r\n")) == std::string::npos) {
    if (!Fill(deadline)) return std::nullopt;
  }
  RawResponse response;
  response.head = buffered_.substr(0, end + 2);
  buffered_.erase(0, end + 4);
  if (response.head.size() < 12 || response.head.compare(0, 5, "HTTP/") != 0) {
    return std::nullopt;
  }
  response.status = std::stoi(response.head.substr(9, 3));
  size_t length = 0;
  if (auto value = response.Header("Content-Length"); value && !head_request) {
    length = std::stoul(*value);
  }
  while (buffered_.size() < length) {
    if (!Fill(deadline)) return std::nullopt;
  }
  response.body = buffered_.substr(0, length);
  buffered_.erase(0, length);
  return response;
}

bool RawConnection::WaitClosed(Duration timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[4096];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n == 0) return true;
    if (n < 0) return errno != EINTR && errno != EAGAIN;
  }
}

std::string RawConnection::ReadUntilClosed(Duration timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (Fill(deadline)) {
  }
  return std::exchange(buffered_, std::string());
}

bool CurlResult::HasHeader(std::string_view line) const {
  return headers.find(std::string(line) + "\r\n") != std::string::npos;
}

CurlResult Curl(const std::string& url, const std::string& method, std::optional<std::string> body,
                const std::vector<std::string>& headers) {
  CurlSession session;
  return session.Perform(url, method, std::move(body), headers);
}

CurlSession::CurlSession() : handle_(curl_easy_init()) {}

CurlSession::~CurlSession() { curl_easy_cleanup(static_cast<CURL*>(handle_)); }

CurlResult CurlSession::Perform(const std::string& url, const std::string& method,
                                std::optional<std::string> body,
                                const std::vector<std::string>& headers) {
  return PerformOn(static_cast<CURL*>(handle_), url, method, body, headers);
}

std::string FixtureHeader(const std::string& http_bytes, std::string_view name) {
  const std::string prefix = "\r\n" + std::string(name) + ": ";
  size_t start = http_bytes.find(prefix);
  if (start == std::string::npos) return "";
  start += prefix.size();
  return http_bytes.substr(start, http_bytes.find("\r\n", start) - start);
}

}  // namespace selfheal::http_test
