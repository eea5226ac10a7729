#include "metrics/textfile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "metrics/event_counts.h"

namespace selfheal {

namespace {

void Family(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void Sample(std::string& out, const char* name,
            std::initializer_list<std::pair<const char*, std::string_view>> labels,
            const std::string& value) {
  out += name;
  if (labels.size() > 0) {
    out += '{';
    bool first = true;
    for (const auto& [label, label_value] : labels) {
      if (!first) out += ',';
      first = false;
      out += label;
      out += "=\"";
      out += EscapeLabelValue(label_value);
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  out += value;
  out += '\n';
}

// TimePoint::max() stands for "no end" (a pause until `resume`): +Inf, so that
// `> time()` holds.
std::string UnixSeconds(TimePoint t) {
  if (t == TimePoint::max()) return "+Inf";
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ms) / 1000.0);
  return buf;
}

std::string Seconds(int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ns) / 1e9);
  return buf;
}

// A counter family whose series are the stored counters named `name`, labelled by
// `label`. Pure.
void EventFamily(std::string& out, const EventCounts& events, std::string_view name,
                 const char* label, const char* help) {
  const std::string metric = "self_heal_" + std::string(name) + "_total";
  Family(out, metric.c_str(), "counter", help);
  for (auto it = events.lower_bound({std::string(name), ""});
       it != events.end() && it->first.first == name; ++it) {
    Sample(out, metric.c_str(), {{label, it->first.second}}, std::to_string(it->second));
  }
}

template <size_t N>
void Histograms(std::string& out, const char* name, const char* help, const int64_t (&bounds)[N],
                const std::map<std::string, SecondsHistogram>& by_handler) {
  Family(out, name, "histogram", help);
  const std::string bucket = std::string(name) + "_bucket";
  const std::string sum = std::string(name) + "_sum";
  const std::string count = std::string(name) + "_count";
  for (const auto& [handler, h] : by_handler) {
    for (size_t i = 0; i < N; ++i) {
      Sample(out, bucket.c_str(), {{"handler", handler}, {"le", std::to_string(bounds[i])}},
             std::to_string(i < h.buckets.size() ? h.buckets[i] : h.count));
    }
    Sample(out, bucket.c_str(), {{"handler", handler}, {"le", "+Inf"}}, std::to_string(h.count));
    Sample(out, sum.c_str(), {{"handler", handler}}, Seconds(h.sum_ns));
    Sample(out, count.c_str(), {{"handler", handler}}, std::to_string(h.count));
  }
}

Status IoError(const std::string& path, const char* what, int err) {
  return Error{Errc::kUnavailable,
               "Failed to write metrics to '" + path + "': " + what + ": " + std::strerror(err)};
}

// Writes all of `content`, retrying short writes and EINTR. Returns 0 or an errno.
int WriteAll(int fd, const std::string& content) {
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    done += static_cast<size_t>(n);
  }
  return 0;
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string FormatMetrics(const StateStore::Totals& totals, const std::vector<KeyStatus>& status) {
  std::string out;

  std::map<std::pair<std::string, std::string>, int64_t> results;
  for (const auto& [key, n] : totals.results) results[key] += n;
  Family(out, "self_heal_attempts_total", "counter",
         "Handler runs that finished, by handler and result.");
  for (const auto& [key, n] : results) {
    Sample(out, "self_heal_attempts_total", {{"handler", key.first}, {"result", key.second}},
           std::to_string(n));
  }

  // Keyed by (handler, instance); the later of two open-until times wins.
  std::map<std::pair<std::string, std::string>, std::optional<TimePoint>> open;
  for (const KeyStatus& s : status) {
    std::optional<TimePoint>& until = open[{s.handler, s.instance}];
    if (s.breaker_open) {
      TimePoint t = s.breaker_open_until.value_or(TimePoint::max());
      until = until ? std::max(*until, t) : t;
    }
  }
  Family(out, "self_heal_breaker_open", "gauge",
         "Whether the breaker of a handler on an alert's instance is open (1) or closed (0).");
  for (const auto& [key, until] : open) {
    Sample(out, "self_heal_breaker_open", {{"handler", key.first}, {"alert_instance", key.second}},
           until ? "1" : "0");
  }
  Family(out, "self_heal_breaker_open_until_seconds", "gauge",
         "When an open breaker closes by its window, in seconds since the epoch.");
  for (const auto& [key, until] : open) {
    if (!until) continue;
    Sample(out, "self_heal_breaker_open_until_seconds",
           {{"handler", key.first}, {"alert_instance", key.second}}, UnixSeconds(*until));
  }

  EventFamily(out, totals.events, kDecisionsCounter, "decision",
              "Alerts decided by serve, by decision.");

  Family(out, "self_heal_escalations_total", "counter",
         "Escalations queued for Alertmanager because a breaker opened.");
  Sample(out, "self_heal_escalations_total", {}, std::to_string(totals.escalations));

  Histograms(out, "self_heal_handler_duration_seconds",
             "How long finished handler runs took, by handler.", kHandlerDurationBounds,
             totals.handler_duration);

  Family(out, "self_heal_last_run_timestamp_seconds", "gauge",
         "When a handler last started, in seconds since the epoch.");
  if (totals.last_run) {
    Sample(out, "self_heal_last_run_timestamp_seconds", {}, UnixSeconds(*totals.last_run));
  }

  Family(out, "self_heal_outbox_depth", "gauge",
         "Escalations not yet delivered to Alertmanager or their EscalateExec=.");
  Sample(out, "self_heal_outbox_depth", {}, std::to_string(totals.outbox_depth));

  Family(out, "self_heal_paused_until_seconds", "gauge",
         "When the pause ends, in seconds since the epoch; +Inf until resumed, 0 when not "
         "paused.");
  Sample(out, "self_heal_paused_until_seconds", {},
         totals.paused_until ? UnixSeconds(*totals.paused_until) : "0");

  EventFamily(out, totals.events, kRejectedRequestsCounter, "reason",
              "Requests answered or ended without being acted on, by reason.");

  Histograms(out, "self_heal_time_to_resolve_seconds",
             "From a healed run's start to its alert's resolve, by handler.", kTimeToResolveBounds,
             totals.time_to_resolve);

  Family(out, "self_heal_truncated_alerts_total", "counter",
         "Alerts Alertmanager left out of a notification (max_alerts): never decided.");
  auto truncated = totals.events.find({std::string(kTruncatedAlertsCounter), ""});
  Sample(out, "self_heal_truncated_alerts_total", {},
         std::to_string(truncated == totals.events.end() ? 0 : truncated->second));
  return out;
}

Status WriteTextfileAtomically(const std::string& path, const std::string& content) {
  static std::atomic<unsigned> counter{0};
  const size_t slash = path.rfind('/');
  const std::string dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (name.empty()) {
    return Error{Errc::kUnavailable, "Failed to write metrics to '" + path + "': not a file name"};
  }

  std::string temp;
  int fd = -1;
  for (int i = 0; i < 8 && fd < 0; ++i) {
    temp = dir + "/." + name + ".tmp-" + std::to_string(::getpid()) + "-" +
           std::to_string(counter.fetch_add(1));
    fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) {
      return Error{Errc::kUnavailable, "Failed to write metrics to '" + path + "': directory '" +
                                           dir + "' does not exist"};
    }
    return IoError(path, "create a temp file", err);
  }

  // The umask must not hide the file from node_exporter's user.
  int err = 0;
  const char* what = "";
  if (::fchmod(fd, 0644) < 0) {
    err = errno;
    what = "chmod";
  } else if ((err = WriteAll(fd, content)) != 0) {
    what = "write";
  } else if (::fsync(fd) < 0) {
    err = errno;
    what = "fsync";
  }
  if (::close(fd) < 0 && err == 0) {
    err = errno;
    what = "close";
  }
  if (err == 0 && ::rename(temp.c_str(), path.c_str()) < 0) {
    err = errno;
    what = "rename";
  }
  if (err != 0) {
    ::unlink(temp.c_str());
    return IoError(path, what, err);
  }

  // Without this the rename itself may not survive a crash.
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return IoError(path, "open the directory", errno);
  err = ::fsync(dir_fd) < 0 ? errno : 0;
  ::close(dir_fd);
  if (err != 0) return IoError(path, "fsync the directory", err);
  return Ok();
}

}  // namespace selfheal
