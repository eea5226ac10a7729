#include "metrics/textfile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <map>
#include <utility>

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

std::string UnixSeconds(TimePoint t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ms) / 1000.0);
  return buf;
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

  std::map<std::pair<std::string, std::string>, bool> open;
  for (const KeyStatus& s : status) open[{s.handler, s.instance}] |= s.breaker_open;
  Family(out, "self_heal_breaker_open", "gauge",
         "Whether the breaker of a handler on an instance is open (1) or closed (0).");
  for (const auto& [key, is_open] : open) {
    Sample(out, "self_heal_breaker_open", {{"handler", key.first}, {"instance", key.second}},
           is_open ? "1" : "0");
  }

  Family(out, "self_heal_escalations_total", "counter",
         "Escalations queued for Alertmanager because a breaker opened.");
  Sample(out, "self_heal_escalations_total", {}, std::to_string(totals.escalations));

  Family(out, "self_heal_last_run_timestamp_seconds", "gauge",
         "When a handler last started or finished, in seconds since the epoch.");
  if (totals.last_run) {
    Sample(out, "self_heal_last_run_timestamp_seconds", {}, UnixSeconds(*totals.last_run));
  }
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
