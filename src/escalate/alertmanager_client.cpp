// Implementation notes: one easy handle per Post(). Escalations are rare (one per
// breaker opening) and the service is short-lived, so connection reuse buys nothing
// and a fresh handle carries no state from an earlier failure. CURLOPT_NOSIGNAL keeps
// libcurl's resolver timeouts from raising SIGALRM in a threaded process.
#include "escalate/alertmanager_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>

#include "common/text.h"

namespace selfheal {

namespace {

constexpr size_t kKeptAnswerBytes = 4096;  // of the answer body, for the message
constexpr size_t kQuotedAnswerBytes = 200;

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t KeepAnswer(char* data, size_t size, size_t count, void* user) {
  auto* answer = static_cast<std::string*>(user);
  size_t bytes = size * count;
  if (answer->size() < kKeptAnswerBytes) {
    answer->append(data, std::min(bytes, kKeptAnswerBytes - answer->size()));
  }
  return bytes;  // read on: the timeout bounds a long answer
}

struct EasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct ListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

Errc ErrcOfTransport(CURLcode rc) {
  switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return Errc::kInvalidInput;  // configuration, not a passing failure
    default:
      return Errc::kUnavailable;
  }
}

Status StatusOfAnswer(const std::string& url, long code, const std::string& answer) {
  if (code >= 200 && code < 300) return Ok();
  bool retry_may_help = code >= 500 || code == 408 || code == 429;
  std::string message = "Alertmanager at '" + url + "' answered " + std::to_string(code);
  if (!answer.empty()) message += ": " + EscapeForLog(answer, kQuotedAnswerBytes);
  return Error{retry_may_help ? Errc::kUnavailable : Errc::kInvalidInput, std::move(message)};
}

}  // namespace

AlertmanagerClient::AlertmanagerClient(std::string base_url, Duration timeout)
    : url_(std::move(base_url)), timeout_(timeout) {
  while (!url_.empty() && url_.back() == '/') url_.pop_back();
  url_ += "/api/v2/alerts";
}

Status AlertmanagerClient::Post(const std::string& payload) const {
  GlobalInitOnce();
  std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
  if (!easy) return Error{Errc::kInternal, "Failed to create a libcurl handle"};
  curl_slist* first = curl_slist_append(nullptr, "Content-Type: application/json");
  std::unique_ptr<curl_slist, ListDeleter> headers(first);
  // "Expect:" drops the 100-continue round trip libcurl makes for bodies over 1 KiB.
  if (first == nullptr || curl_slist_append(first, "Expect:") == nullptr) {
    return Error{Errc::kInternal, "Failed to build the request headers"};
  }

  std::string answer;
  char curl_error[CURL_ERROR_SIZE] = "";
  long timeout_ms = static_cast<long>(std::max<int64_t>(
      1, std::chrono::duration_cast<std::chrono::milliseconds>(timeout_).count()));
  CURL* h = easy.get();
  curl_easy_setopt(h, CURLOPT_URL, url_.c_str());
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85.0
  CURLcode restricted = curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  CURLcode restricted =
      curl_easy_setopt(h, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  if (restricted != CURLE_OK) {
    return Error{Errc::kInternal, "Failed to restrict libcurl to http and https: " +
                                      std::string(curl_easy_strerror(restricted))};
  }
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "self-heal/" SELFHEAL_VERSION);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(payload.size()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, KeepAnswer);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &answer);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_error);

  CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    std::string why = curl_error[0] != '\0' ? curl_error : curl_easy_strerror(rc);
    return Error{ErrcOfTransport(rc),
                 "Failed to POST to Alertmanager at '" + url_ + "': " + EscapeForLog(why)};
  }
  long code = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  return StatusOfAnswer(url_, code, answer);
}

}  // namespace selfheal
