// Measures the operator's hot paths: what one reconcile computes for a CR (parse, build every
// object, decide what to apply) and what the informer cache costs per cached object. Prints
// figures; asserts nothing (tests never assert on speed, docs/design.md §8).
#include <malloc.h>
#include <unistd.h>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "kube/yaml_json.h"
#include "registry/api/registry_config.h"
#include "registry/render/builders.h"
#include "registry/render/object_names.h"
#include "runtime/apply_drift.h"
#include "runtime/store.h"

namespace {

using Clock = std::chrono::steady_clock;

template <class F>
double microsPerCall(int iterations, F&& body) {
  auto start = Clock::now();
  for (int i = 0; i < iterations; ++i) body(i);
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count() / iterations;
}

long residentKiB() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

const char* kCr = R"(apiVersion: imageregistry.io/v1alpha1
kind: RegistryConfig
metadata: {name: image-registry, namespace: bench, uid: 0b6f7c9e-1c1b-4a57-9d4e-000000000001, generation: 4}
spec:
  replicas: 2
  storage: {pvc: {accessModes: [ReadWriteMany], size: 100Gi}}
  defaultRoute: true
  routes: [{name: public, hostname: registry.example.com}]
  proxy: {http: "http://proxy:3128", noProxy: ".svc"}
  resources: {requests: {cpu: 100m, memory: 256Mi}}
  nodeSelector: {node-role.kubernetes.io/infra: ""}
)";

// Bytes the heap has handed out and not taken back: unlike the resident size, not lowered by
// memory an earlier measurement freed and this one reuses.
std::size_t heapInUse() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

}  // namespace

int main() {
  auto cr = kube::yamlToJson(kCr);
  if (!cr) return 1;
  registry::Inputs inputs;
  inputs.httpSecret = std::string(128, 'a');
  inputs.configBundle = "log:\n  level: debug\nhttp:\n  headers:\n    X-Bench: [yes]\n";
  inputs.tls = registry::TlsMaterial{"-----CA-----", "-----CERT-----", "-----KEY-----"};
  inputs.platform.ingressDomain = "apps.example.com";

  const int n = 2000;
  double parse = microsPerCall(n, [&](int) { (void)registry::parseRegistryConfig(*cr); });
  auto config = registry::parseRegistryConfig(*cr);
  if (!config) return 1;
  std::size_t objects = 0;
  double build = microsPerCall(n, [&](int) {
    auto desired = registry::desiredObjects(*config, inputs);
    objects = desired ? desired->size() : 0;
  });
  auto desired = registry::desiredObjects(*config, inputs);
  const runtime::ApplyDrift drift(registry::kAppliedHashAnnotation);
  std::vector<kube::Json> live;
  for (const auto& object : *desired) live.push_back(drift.stamp(object));
  double decide = microsPerCall(n, [&](int) {
    for (const auto& object : live) (void)drift.needsApply(drift.stamp(object), &object);
  });
  std::printf("reconcile computation for one CR (%zu objects), mean of %d runs:\n", objects, n);
  std::printf("  parse + validate      %8.1f us\n", parse);
  std::printf("  build desired objects %8.1f us\n", build);
  std::printf("  decide what to apply  %8.1f us\n", decide);

  // Cache cost: Secrets of ~1 KiB data each, as the operator's Secret informer holds them.
  const int cached = 20000;
  long before = residentKiB();
  runtime::Store store;
  std::vector<kube::Json> batch;
  for (int i = 0; i < cached; ++i) {
    batch.push_back({{"apiVersion", "v1"},
                     {"kind", "Secret"},
                     {"metadata",
                      {{"name", "secret-" + std::to_string(i)},
                       {"namespace", "ns-" + std::to_string(i % 50)},
                       {"resourceVersion", std::to_string(1000 + i)},
                       {"managedFields", kube::Json::array({{{"manager", "kubectl"}}})}}},
                     {"data", {{"config.yml", std::string(1024, 'x')}}}});
  }
  auto start = Clock::now();
  (void)store.replace(std::move(batch));
  double relist_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  long after = residentKiB();
  double get = microsPerCall(200000, [&](int i) {
    (void)store.get("ns-" + std::to_string(i % 50), "secret-" + std::to_string(i % cached));
  });
  std::printf("informer cache, %d Secrets of 1 KiB:\n", cached);
  std::printf("  relist (replace all)  %8.1f ms\n", relist_ms);
  std::printf("  resident memory       %8.1f MiB (%.2f KiB per object)\n",
              (after - before) / 1024.0, static_cast<double>(after - before) / cached);
  std::printf("  get by key            %8.2f us\n", get);

  // The owned kinds' caches hold objects packed (Store::Encoding::Packed): the rendered
  // Deployment, 2,000 times, as a tree and packed.
  const kube::Json* deployment = nullptr;
  for (const auto& object : *desired) {
    if (object.value("kind", "") == "Deployment") deployment = &object;
  }
  if (!deployment) return 1;
  std::printf("informer cache, 2,000 copies of the rendered Deployment:\n");
  for (auto encoding : {runtime::Store::Encoding::Tree, runtime::Store::Encoding::Packed}) {
    const int copies = 2000;
    const std::size_t start_bytes = heapInUse();
    runtime::Store deployments(encoding);
    std::vector<kube::Json> objects;
    for (int i = 0; i < copies; ++i) {
      kube::Json copy = *deployment;
      copy["metadata"]["name"] = "registry-" + std::to_string(i);
      objects.push_back(std::move(copy));
    }
    (void)deployments.replace(std::move(objects));
    const double kib = static_cast<double>(heapInUse() - start_bytes) / 1024;
    double read = microsPerCall(20000, [&](int i) {
      (void)deployments.get("bench", "registry-" + std::to_string(i % copies));
    });
    std::printf("  %-6s heap %6.1f KiB per object, get by key %7.2f us\n",
                encoding == runtime::Store::Encoding::Tree ? "tree" : "packed", kib / copies, read);
  }
  return 0;
}
