#pragma once

#include <chrono>
#include <functional>
#include <random>
#include <string>
#include <thread>

#include "kube/api.h"
#include "kube/client.h"
#include "kube/config.h"

namespace testing {

// A client for the test control plane ($KUBECONFIG, set by the ctest fixture).
inline kube::ClientPtr clusterClient() {
  auto config = kube::loadDefaultConfig();
  if (!config) throw std::runtime_error("KUBECONFIG: " + config.error().describe());
  auto client = kube::Client::create(*config);
  if (!client) throw std::runtime_error("client: " + client.error().describe());
  return *client;
}

inline std::string randomSuffix() {
  static thread_local std::mt19937 rng(std::random_device{}());
  static const char* alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  for (int i = 0; i < 6; ++i) out += alphabet[rng() % 36];
  return out;
}

// Waits for `condition` with a deadline; never a fixed sleep standing in for an assertion.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::seconds deadline = std::chrono::seconds(60)) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return condition();
}

// A namespace of its own for one test, deleted when the test ends (pass or fail).
class TestNamespace {
 public:
  explicit TestNamespace(kube::ClientPtr client, const std::string& prefix = "it")
      : client_(std::move(client)), name_(prefix + "-" + randomSuffix()) {
    kube::Api api(client_, kube::resources::namespaces());
    auto created =
        api.create({{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name_}}}});
    if (!created) throw std::runtime_error("namespace: " + created.error().describe());
  }
  ~TestNamespace() {
    kube::Api api(client_, kube::resources::namespaces());
    (void)api.remove(name_);
  }
  TestNamespace(const TestNamespace&) = delete;
  TestNamespace& operator=(const TestNamespace&) = delete;
  const std::string& name() const { return name_; }

 private:
  kube::ClientPtr client_;
  std::string name_;
};

}  // namespace testing
