// The observer of the cluster benchmarks (bench/cluster_bench.sh): it sees the cluster only
// through the API server, with the project's own client, the same way for the operator and for
// the floor it is compared with, so that both figures carry the same observation cost.
//
//   cluster_probe available --resource registryconfigs|deployments --count N [--timeout S]
//       Lists, then watches from that list, until N objects are Available (condition
//       Available=True and status.observedGeneration >= metadata.generation). Prints
//       {"done_at": <unix seconds>} so the caller can subtract its own start time.
//   cluster_probe apply --file LIST.json
//       The floor of a cold start: server-side applies every object of a v1 List (as
//       `registry-operator render -o json` prints it) one after the other, as field manager
//       bench-floor, with no client-side rate limit (kubectl's would make the floor slower than
//       what one client can do). Prints {"applied": N}.
//   cluster_probe reaction --namespace NS --name CR --bundle-secret S --rounds R
//       Per round: patch spec.defaultRoute on and wait for the Ingress to be ADDED; off and wait
//       for DELETED; edit the bundle Secret and wait for the Deployment's pod template to carry
//       a new config hash; create a plain Ingress and wait for its ADDED (the floor), then delete
//       it. Prints each kind's p50/p95/p99 in milliseconds as JSON.
//
// Figures only: nothing here passes or fails on speed (docs/design.md §8).
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "kube/api.h"
#include "kube/config.h"
#include "registry/api/registry_resource.h"
#include "registry/render/object_names.h"

namespace {

using SteadyClock = std::chrono::steady_clock;

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "cluster_probe: %s\n", message.c_str());
  std::exit(1);
}

std::string option(int argc, char** argv, const std::string& name, const char* fallback = nullptr) {
  for (int i = 2; i + 1 < argc; ++i) {
    if (argv[i] == "--" + name) return argv[i + 1];
  }
  if (!fallback) die("missing --" + name);
  return fallback;
}

kube::ClientPtr connect() {
  auto config = kube::loadDefaultConfig();
  if (!config) die("cannot load the kubeconfig: " + config.error().message());
  auto client = kube::Client::create(*config);
  if (!client) die("cannot create the client: " + client.error().message());
  return *client;
}

bool isAvailable(const kube::Json& object) {
  const kube::Json& status = kube::at(object, "/status");
  if (!status.is_object()) return false;
  const kube::Json& observed = kube::at(status, "/observedGeneration");
  if (!observed.is_number_integer() || observed.get<long long>() < kube::generation(object)) {
    return false;
  }
  const kube::Json& conditions = kube::at(status, "/conditions");
  if (!conditions.is_array()) return false;
  return std::any_of(conditions.begin(), conditions.end(), [](const kube::Json& c) {
    return c.value("type", "") == "Available" && c.value("status", "") == "True";
  });
}

int available(int argc, char** argv) {
  const std::string kind = option(argc, argv, "resource");
  const std::size_t count = std::stoul(option(argc, argv, "count"));
  const auto timeout = std::chrono::seconds(std::stoi(option(argc, argv, "timeout", "1800")));
  kube::Resource resource;
  if (kind == "registryconfigs") {
    resource = registry::registryConfigResource();
  } else if (kind == "deployments") {
    resource = kube::resources::deployments();
  } else {
    die("--resource must be registryconfigs or deployments");
  }
  const kube::Api api(connect(), resource);
  const auto deadline = SteadyClock::now() + timeout;
  std::set<std::string> done;
  auto see = [&](const kube::Json& object) {
    if (isAvailable(object)) {
      done.insert(kube::keyOf(object));
    } else {
      done.erase(kube::keyOf(object));
    }
  };
  kube::ListParams page;
  page.limit = 500;
  auto listed = api.listAll(page);
  if (!listed) die("list: " + listed.error().message());
  for (const auto& object : listed->items) see(object);
  std::string resource_version = listed->resource_version;
  kube::CancelToken cancel;
  while (done.size() < count) {
    if (SteadyClock::now() > deadline)
      die("timed out with " + std::to_string(done.size()) + " of " + std::to_string(count) +
          " Available");
    kube::WatchParams params;
    params.resource_version = resource_version;
    params.timeout_seconds = 60;
    auto watched = api.watch(
        params,
        [&](const kube::WatchEvent& event) {
          if (event.type == kube::WatchEventType::Bookmark) {
            resource_version = kube::resourceVersion(event.object);
            return true;
          }
          resource_version = kube::resourceVersion(event.object);
          if (event.type == kube::WatchEventType::Deleted) {
            done.erase(kube::keyOf(event.object));
          } else {
            see(event.object);
          }
          return done.size() < count && SteadyClock::now() < deadline;
        },
        cancel);
    if (!watched) die("watch: " + watched.error().message());
  }
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::printf("{\"done_at\": %.3f, \"available\": %zu}\n", now, done.size());
  return 0;
}

int applyAll(int argc, char** argv) {
  const std::string path = option(argc, argv, "file");
  std::ifstream file(path);
  if (!file) die("cannot read " + path);
  const kube::Json list = kube::Json::parse(file, nullptr, /*allow_exceptions=*/false);
  if (!list.is_object() || !list.contains("items") || !list["items"].is_array()) {
    die(path + " is not a v1 List");
  }
  auto client = connect();
  kube::ApplyParams params;
  params.field_manager = "bench-floor";
  std::size_t applied = 0;
  for (const auto& object : list["items"]) {
    const auto resource =
        kube::resources::forKind(object.value("apiVersion", ""), object.value("kind", ""));
    if (!resource) die("no resource for kind " + object.value("kind", std::string("?")));
    auto result = kube::Api(client, *resource, kube::namespaceOf(object)).apply(object, params);
    if (!result) die("apply " + kube::keyOf(object) + ": " + result.error().message());
    ++applied;
  }
  std::printf("{\"applied\": %zu}\n", applied);
  return 0;
}

// Watch events of one kind in one namespace, each with the moment it arrived, for a waiter.
class EventTap {
 public:
  EventTap(kube::Api api) : api_(std::move(api)), thread_([this] { run(); }) {}
  ~EventTap() {
    cancel_.cancel();
    thread_.join();
  }

  // Waits for the first event after `since` that `match` accepts; returns when it arrived.
  template <class Match>
  SteadyClock::time_point await(SteadyClock::time_point since, Match match) {
    std::unique_lock lock(mutex_);
    const auto deadline = SteadyClock::now() + std::chrono::seconds(120);
    for (;;) {
      while (!events_.empty()) {
        auto [arrived, event] = std::move(events_.front());
        events_.pop_front();
        if (arrived >= since && match(event)) return arrived;
      }
      if (changed_.wait_until(lock, deadline) == std::cv_status::timeout) {
        die("no awaited " + api_.resource().plural + " event within 120 s");
      }
    }
  }

 private:
  void run() {
    std::string resource_version;
    while (!cancel_.cancelled()) {
      if (resource_version.empty()) {
        auto listed = api_.list();
        if (!listed) die("list " + api_.resource().plural + ": " + listed.error().message());
        resource_version = listed->resource_version;
      }
      kube::WatchParams params;
      params.resource_version = resource_version;
      auto watched = api_.watch(
          params,
          [&](const kube::WatchEvent& event) {
            const auto arrived = SteadyClock::now();
            resource_version = kube::resourceVersion(event.object);
            std::lock_guard lock(mutex_);
            events_.emplace_back(arrived, event);
            changed_.notify_all();
            return true;
          },
          cancel_);
      if (!watched && !cancel_.cancelled()) resource_version.clear();
    }
  }

  kube::Api api_;
  kube::CancelToken cancel_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::pair<SteadyClock::time_point, kube::WatchEvent>> events_;
  std::thread thread_;
};

struct Samples {
  std::vector<double> millis;
  void add(SteadyClock::time_point from, SteadyClock::time_point to) {
    millis.push_back(std::chrono::duration<double, std::milli>(to - from).count());
  }
  std::string json() {
    std::sort(millis.begin(), millis.end());
    auto quantile = [&](double q) {
      if (millis.empty()) return 0.0;
      return millis[std::min(millis.size() - 1, static_cast<std::size_t>(q * millis.size()))];
    };
    char text[160];
    std::snprintf(text, sizeof text, "{\"n\": %zu, \"p50\": %.1f, \"p95\": %.1f, \"p99\": %.1f}",
                  millis.size(), quantile(0.50), quantile(0.95), quantile(0.99));
    return text;
  }
};

bool isType(const kube::WatchEvent& event, kube::WatchEventType type, const std::string& name) {
  return event.type == type && kube::name(event.object) == name;
}

int reaction(int argc, char** argv) {
  const std::string ns = option(argc, argv, "namespace");
  const std::string cr = option(argc, argv, "name");
  const std::string bundle = option(argc, argv, "bundle-secret");
  const int rounds = std::stoi(option(argc, argv, "rounds"));
  auto client = connect();
  const kube::Api registry_configs(client, registry::registryConfigResource(), ns);
  const kube::Api secrets(client, kube::resources::secrets(), ns);
  const kube::Api ingresses(client, kube::resources::ingresses(), ns);
  EventTap ingress_events(ingresses);
  EventTap deployment_events(kube::Api(client, kube::resources::deployments(), ns));
  std::this_thread::sleep_for(std::chrono::seconds(1));  // both watches established

  auto check = [](const auto& result, const char* what) {
    if (!result) die(std::string(what) + ": " + result.error().message());
  };
  const std::string route = cr + "-default-route";
  Samples route_on, route_off, bundle_edit, plain_create;
  // The pod template's config hash: a bundle edit has taken effect when it changes.
  auto templateHash = [](const kube::Json& deployment) {
    return kube::annotation(kube::at(deployment, "/spec/template"),
                            registry::kConfigHashAnnotation);
  };
  auto deployment = kube::Api(client, kube::resources::deployments(), ns).get(cr);
  check(deployment, "get the Deployment");
  std::string config_hash = templateHash(*deployment);
  for (int round = 0; round < rounds; ++round) {
    auto start = SteadyClock::now();
    check(registry_configs.mergePatch(cr, {{"spec", {{"defaultRoute", true}}}}), "patch on");
    route_on.add(start, ingress_events.await(start, [&](const kube::WatchEvent& e) {
      return isType(e, kube::WatchEventType::Added, route);
    }));

    start = SteadyClock::now();
    check(registry_configs.mergePatch(cr, {{"spec", {{"defaultRoute", false}}}}), "patch off");
    route_off.add(start, ingress_events.await(start, [&](const kube::WatchEvent& e) {
      return isType(e, kube::WatchEventType::Deleted, route);
    }));

    start = SteadyClock::now();
    const std::string config =
        "version: 0.1\nlog:\n  fields:\n    round: \"" + std::to_string(round) + "\"\n";
    check(secrets.mergePatch(bundle, {{"stringData", {{registry::kBundleConfigKey, config}}}}),
          "bundle edit");
    bundle_edit.add(start, deployment_events.await(start, [&](const kube::WatchEvent& e) {
      if (e.type != kube::WatchEventType::Modified || kube::name(e.object) != cr) return false;
      const std::string hash = templateHash(e.object);
      if (hash.empty() || hash == config_hash) return false;
      config_hash = hash;
      return true;
    }));

    const std::string plain = "plain-" + std::to_string(round);
    kube::Json ingress = {
        {"apiVersion", "networking.k8s.io/v1"},
        {"kind", "Ingress"},
        {"metadata", {{"name", plain}, {"namespace", ns}}},
        {"spec",
         {{"defaultBackend", {{"service", {{"name", cr}, {"port", {{"number", 5000}}}}}}}}}};
    start = SteadyClock::now();
    check(ingresses.create(ingress), "plain create");
    plain_create.add(start, ingress_events.await(start, [&](const kube::WatchEvent& e) {
      return isType(e, kube::WatchEventType::Added, plain);
    }));
    check(ingresses.remove(plain), "plain delete");
  }
  std::printf(
      "{\"route_on_ms\": %s, \"route_off_ms\": %s, \"bundle_edit_ms\": %s, "
      "\"plain_create_ms\": %s}\n",
      route_on.json().c_str(), route_off.json().c_str(), bundle_edit.json().c_str(),
      plain_create.json().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "available") return available(argc, argv);
  if (command == "apply") return applyAll(argc, argv);
  if (command == "reaction") return reaction(argc, argv);
  std::fprintf(stderr,
               "usage: cluster_probe available|apply|reaction ... (see bench/cluster_probe.cpp)\n");
  return 2;
}
