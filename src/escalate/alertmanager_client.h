// alertmanager_client.h — delivers one escalation body to Alertmanager's API v2
// (`POST <base>/api/v2/alerts`) over libcurl. The only code in self-heal that speaks
// HTTP as a client.
#pragma once

#include <chrono>
#include <string>

#include "common/expected.h"
#include "common/time.h"

namespace selfheal {

class AlertmanagerClient {
 public:
  // `base_url` as in [Escalation] AlertmanagerURL=, e.g. "http://127.0.0.1:9093" (a
  // trailing '/' is ignored). `timeout` bounds one Post() as a whole: connect, send and
  // the answer.
  explicit AlertmanagerClient(std::string base_url, Duration timeout = std::chrono::seconds(5));

  // POSTs `payload` (application/json) once; never retries, never follows redirects,
  // never uses a proxy from the environment, speaks http and https only.
  // Returns Ok on any 2xx.
  // Errc::kUnavailable when a retry may help: nothing listening, a timeout, any other
  //   transport failure, 5xx, 408 or 429.
  // Errc::kInvalidInput when Alertmanager refused the body (other 4xx), answered a 1xx
  //   or 3xx, or the URL is malformed or of another scheme.
  // Messages name the URL, and the status code with the first 200 bytes of the answer
  // escaped for a log line.
  Status Post(const std::string& payload) const;

  const std::string& url() const { return url_; }

 private:
  std::string url_;  // base_url + "/api/v2/alerts"
  Duration timeout_;
};

}  // namespace selfheal
