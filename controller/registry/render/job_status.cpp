#include "registry/render/job_status.h"

#include <algorithm>

#include "registry/render/labels.h"
#include "runtime/time_format.h"

namespace registry {
namespace {

// This mirror's entry in `status`, or null.
kube::Json currentMirrorEntry(const kube::Json& status, const std::string& name) {
  const kube::Json mirrors = kube::at(status, "/mirrors", kube::Json::array());
  if (!mirrors.is_array()) return nullptr;
  for (const kube::Json& entry : mirrors) {
    if (entry.is_object() && entry.value("name", "") == name) return entry;
  }
  return nullptr;
}

std::string previousDigest(const kube::Json& entry, const std::string& tag) {
  const kube::Json tags = kube::at(entry, "/tags", kube::Json::array());
  if (!tags.is_array()) return {};
  for (const kube::Json& item : tags) {
    if (item.is_object() && item.value("tag", "") == tag && item.contains("digest") &&
        item["digest"].is_string()) {
      return item["digest"].get<std::string>();
    }
  }
  return {};
}

}  // namespace

std::string mirrorFieldManager(std::string_view mirror_name) {
  return "registry-operator-mirror-" + std::string(mirror_name);
}

kube::Json statusApplyBody(const std::string& ns, const std::string& name, kube::Json status) {
  return {{"apiVersion", kGroupVersion},
          {"kind", kKind},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"status", std::move(status)}};
}

kube::Json lastPruneStatus(const PruneReport& report) {
  kube::Json last = {{"time", runtime::formatTime(report.time)},
                     {"repositories", report.repositories},
                     {"manifestsDeleted", report.manifests_deleted},
                     {"bytesFreeable", report.bytes_freeable}};
  if (!report.message.empty()) last["message"] = report.message;
  return {{"lastPrune", std::move(last)}};
}

kube::Json mirrorStatus(const MirrorReport& report, const kube::Json& current_status) {
  const kube::Json previous = currentMirrorEntry(current_status, report.name);
  kube::Json tags = kube::Json::array();
  bool imported = false;
  for (const MirroredTag& tag : report.tags) {
    imported = imported || tag.imported;
    std::string digest = tag.digest.empty() ? previousDigest(previous, tag.tag) : tag.digest;
    kube::Json item = {{"tag", tag.tag}};
    if (!digest.empty()) item["digest"] = std::move(digest);
    tags.push_back(std::move(item));
  }
  kube::Json entry = {{"name", report.name},
                      {"source", report.source},
                      {"target", report.target},
                      {"insecure", report.insecure},
                      {"tags", std::move(tags)}};
  if (imported) {
    entry["lastImport"] = runtime::formatTime(report.time);
  } else if (previous.is_object() && previous.contains("lastImport")) {
    entry["lastImport"] = previous["lastImport"];
  }
  if (!report.message.empty()) entry["message"] = report.message;
  return {{"mirrors", kube::Json::array({std::move(entry)})}};
}

std::vector<std::string> staleMirrorEntries(const kube::Json& status,
                                            const RegistryConfig& config) {
  std::vector<std::string> stale;
  const kube::Json mirrors = kube::at(status, "/mirrors", kube::Json::array());
  if (!mirrors.is_array()) return stale;
  for (const kube::Json& entry : mirrors) {
    const kube::Json& name = kube::at(entry, "/name");
    if (!name.is_string()) continue;
    const auto& wanted = config.spec.mirrors;
    const bool listed = std::any_of(wanted.begin(), wanted.end(), [&](const MirrorSpec& mirror) {
      return mirror.name == name.get<std::string>();
    });
    if (!listed) stale.push_back(name.get<std::string>());
  }
  return stale;
}

}  // namespace registry
