#include "alert/alert.h"

#include "common/text.h"

namespace selfheal {
namespace {

const std::string& LabelOrEmpty(const LabelSet& labels, const char* name) {
  static const std::string kEmpty;
  auto it = labels.find(name);
  return it == labels.end() ? kEmpty : it->second;
}

}  // namespace

const std::string& Alert::alertname() const { return LabelOrEmpty(labels, "alertname"); }
const std::string& Alert::instance() const { return LabelOrEmpty(labels, "instance"); }

const char* AlertStatusName(AlertStatus status) {
  return status == AlertStatus::kFiring ? "firing" : "resolved";
}

void AppendLabelSetJson(std::string& out, const LabelSet& set) {
  out += '{';
  bool first = true;
  for (const auto& [name, value] : set) {
    if (!first) out += ',';
    first = false;
    AppendJsonString(out, name);
    out += ':';
    AppendJsonString(out, value);
  }
  out += '}';
}

}  // namespace selfheal
