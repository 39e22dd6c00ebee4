#include <algorithm>
#include <functional>

#include <catch2/catch.hpp>

#include "registry/api/registry_config.h"
#include "test_support.h"

using namespace registry;
using registry::testing::crWithSpec;
using registry::testing::kEmptyDir;
using registry::testing::parseError;
using registry::testing::parseOk;

TEST_CASE("a minimal RegistryConfig gets every default of the design") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir));
  CHECK(config.name == "image-registry");
  CHECK(config.namespace_ == "registry");
  CHECK(config.uid == "0b6b9f0e-1111-2222-3333-444455556666");
  CHECK(config.generation == 2);
  const RegistryConfigSpec& spec = config.spec;
  CHECK(spec.managementState == ManagementState::Managed);
  CHECK(spec.image.empty());
  CHECK(spec.replicas == 1);
  CHECK(spec.logLevel == LogLevel::Normal);
  CHECK(spec.resources.is_null());
  CHECK(spec.rolloutStrategy == RolloutStrategy::RollingUpdate);
  CHECK_FALSE(spec.readOnly);
  CHECK_FALSE(spec.disableRedirect);
  CHECK(spec.storage.emptyDir() != nullptr);
  CHECK_FALSE(spec.storage.deleteOnRemove);
  CHECK_FALSE(spec.defaultRoute);
  CHECK(spec.routes.empty());
  CHECK(spec.tls.mode == TlsMode::Auto);
  CHECK(spec.auth.type == AuthType::None);
  CHECK(spec.pruning.schedule == "0 0 * * *");
  CHECK_FALSE(spec.pruning.suspend);
  CHECK(spec.pruning.keepTagRevisions == 3);
  CHECK(spec.pruning.keepYoungerThan == "60m");
  CHECK(spec.pruning.successfulJobsHistoryLimit == 3);
  CHECK(spec.pruning.failedJobsHistoryLimit == 3);
  CHECK_FALSE(spec.pruning.garbageCollect);
  CHECK(spec.autoscaling.minReplicas == 1);
  CHECK(spec.autoscaling.maxReplicas == 3);
  CHECK(spec.autoscaling.targetCPUUtilizationPercentage == 75);
  CHECK(spec.managed(ComponentKind::Pruner));
  CHECK(spec.managed(ComponentKind::PodDisruptionBudget));
  CHECK(spec.managed(ComponentKind::Mirror));
  // They write to every node (and need a privileged namespace) or need cluster add-ons.
  CHECK_FALSE(spec.managed(ComponentKind::NodeCA));
  CHECK_FALSE(spec.managed(ComponentKind::NodeResolver));
  CHECK_FALSE(spec.managed(ComponentKind::Autoscaling));
  CHECK_FALSE(spec.managed(ComponentKind::Monitoring));
}

TEST_CASE("every field of a full RegistryConfig is read") {
  RegistryConfig config = parseOk(crWithSpec(R"(  managementState: Unmanaged
  image: quay.io/example/registry:2.8.3
  replicas: 3
  logLevel: Debug
  resources:
    requests: {cpu: 200m, memory: 512Mi}
    limits: {memory: 1Gi}
  nodeSelector: {node-role.kubernetes.io/infra: ""}
  tolerations:
    - {key: infra, operator: Exists, effect: NoSchedule}
  affinity: {podAntiAffinity: {}}
  topologySpreadConstraints:
    - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: ScheduleAnyway}
  rolloutStrategy: Recreate
  proxy: {http: "http://proxy:3128", https: "http://proxy:3128", noProxy: ".svc,.cluster.local"}
  readOnly: true
  disableRedirect: true
  httpSecret: s3cr3t
  storage:
    s3:
      bucket: images
      region: eu-west-1
      regionEndpoint: https://minio.example:9000
      credentialsSecret: s3-creds
      encrypt: true
      virtualHostedStyle: true
    deleteOnRemove: true
  defaultRoute: true
  routes:
    - {name: public, hostname: registry.example.com, secretName: public-tls}
  tls: {mode: Secret, secretName: my-tls}
  auth: {type: Htpasswd, htpasswdSecret: users}
  configBundleSecret: bundle
  pruning:
    schedule: "*/30 2 * * MON-FRI"
    suspend: true
    keepTagRevisions: 5
    keepYoungerThan: 1h30m
    successfulJobsHistoryLimit: 1
    failedJobsHistoryLimit: 2
    garbageCollect: false
  mirrors:
    - {name: busybox, source: docker.io/library/busybox, tags: [latest, "1.36"], interval: 1h, pullSecret: hub}
    - {name: lab, source: "lab.local:5000/base", target: mirrored/base, caSecret: lab-ca}
    - {name: plain, source: "10.0.0.5:5000/team/app", insecure: true}
  components:
    - {kind: pruner, managed: false}
    - {kind: autoscaling, managed: true}
)"));
  const RegistryConfigSpec& spec = config.spec;
  CHECK(spec.managementState == ManagementState::Unmanaged);
  CHECK(spec.image == "quay.io/example/registry:2.8.3");
  CHECK(spec.replicas == 3);
  CHECK(spec.logLevel == LogLevel::Debug);
  CHECK(spec.resources["requests"]["memory"] == "512Mi");
  CHECK(spec.nodeSelector.at("node-role.kubernetes.io/infra").empty());
  CHECK(spec.tolerations.size() == 1);
  CHECK(spec.affinity.contains("podAntiAffinity"));
  CHECK(spec.topologySpreadConstraints.size() == 1);
  CHECK(spec.rolloutStrategy == RolloutStrategy::Recreate);
  CHECK(spec.proxy.http == "http://proxy:3128");
  CHECK(spec.proxy.noProxy == ".svc,.cluster.local");
  CHECK(spec.readOnly);
  CHECK(spec.disableRedirect);
  CHECK(spec.httpSecret == "s3cr3t");
  REQUIRE(spec.storage.s3() != nullptr);
  CHECK(spec.storage.s3()->bucket == "images");
  CHECK(spec.storage.s3()->region == "eu-west-1");
  CHECK(spec.storage.s3()->regionEndpoint == "https://minio.example:9000");
  CHECK(spec.storage.s3()->credentialsSecret == "s3-creds");
  CHECK(spec.storage.s3()->encrypt);
  CHECK(spec.storage.s3()->virtualHostedStyle);
  CHECK(spec.storage.deleteOnRemove);
  CHECK(spec.storage.shared());
  CHECK(spec.defaultRoute);
  REQUIRE(spec.routes.size() == 1);
  CHECK(spec.routes[0].hostname == "registry.example.com");
  CHECK(spec.routes[0].secretName == "public-tls");
  CHECK(spec.tls.mode == TlsMode::Secret);
  CHECK(spec.tls.secretName == "my-tls");
  CHECK(spec.auth.type == AuthType::Htpasswd);
  CHECK(spec.auth.htpasswdSecret == "users");
  CHECK(spec.configBundleSecret == "bundle");
  CHECK(spec.pruning.schedule == "*/30 2 * * MON-FRI");
  CHECK(spec.pruning.suspend);
  CHECK(spec.pruning.keepTagRevisions == 5);
  CHECK(spec.pruning.keepYoungerThan == "1h30m");
  CHECK(spec.pruning.successfulJobsHistoryLimit == 1);
  CHECK(spec.pruning.failedJobsHistoryLimit == 2);
  CHECK_FALSE(spec.pruning.garbageCollect);
  REQUIRE(spec.mirrors.size() == 3);
  CHECK(spec.mirrors[0].tags == std::vector<std::string>{"latest", "1.36"});
  CHECK(spec.mirrors[0].interval == "1h");
  CHECK(spec.mirrors[0].pullSecret == "hub");
  CHECK(spec.mirrors[0].target.empty());
  CHECK_FALSE(spec.mirrors[0].insecure);
  CHECK(spec.mirrors[1].target == "mirrored/base");
  CHECK(spec.mirrors[1].caSecret == "lab-ca");
  CHECK(spec.mirrors[2].insecure);
  CHECK_FALSE(spec.managed(ComponentKind::Pruner));
  CHECK(spec.managed(ComponentKind::Autoscaling));
  CHECK_FALSE(spec.managed(ComponentKind::NodeCA));
}

TEST_CASE("autoscaling bounds are read and checked") {
  RegistryConfig config = parseOk(crWithSpec(R"(  components: [{kind: autoscaling, managed: true}]
  autoscaling: {minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 120}
  storage:
    s3: {bucket: images, region: r, credentialsSecret: creds}
)"));
  CHECK(config.spec.autoscaling.minReplicas == 2);
  CHECK(config.spec.autoscaling.maxReplicas == 5);
  CHECK(config.spec.autoscaling.targetCPUUtilizationPercentage == 120);

  std::string inverted = parseError(crWithSpec(
      R"(  autoscaling: {minReplicas: 4, maxReplicas: 2, targetCPUUtilizationPercentage: 0}
  storage: {s3: {bucket: images, region: r, credentialsSecret: creds}}
)"));
  CHECK_THAT(inverted,
             Catch::Contains("spec.autoscaling.maxReplicas: must be at least minReplicas") &&
                 Catch::Contains("spec.autoscaling.targetCPUUtilizationPercentage: must be "
                                 "between 1 and 1000"));

  // An autoscaler may add pods that an emptyDir or a ReadWriteOnce claim cannot share.
  std::string unshared = parseError(crWithSpec(R"(  components: [{kind: autoscaling, managed: true}]
  storage: {emptyDir: {}}
)"));
  CHECK_THAT(unshared,
             Catch::Contains("spec.autoscaling.maxReplicas: more than one replica needs shared "
                             "storage"));
}

TEST_CASE("pvc storage reads its claim settings and defaults") {
  RegistryConfig config = parseOk(crWithSpec(R"(  rolloutStrategy: Recreate
  storage:
    pvc: {}
)"));
  const PvcStorage* pvc = config.spec.storage.pvc();
  REQUIRE(pvc != nullptr);
  CHECK(pvc->claim.empty());
  CHECK(pvc->size == "10Gi");
  CHECK_FALSE(pvc->storageClassName.has_value());
  CHECK(pvc->accessModes == std::vector<std::string>{"ReadWriteOnce"});
  CHECK(config.spec.storage.managedClaim());
  CHECK_FALSE(config.spec.storage.shared());

  RegistryConfig named = parseOk(crWithSpec(R"(  replicas: 2
  storage:
    pvc: {claim: existing, storageClassName: "", accessModes: [ReadWriteMany]}
)"));
  CHECK(named.spec.storage.pvc()->claim == "existing");
  CHECK(named.spec.storage.pvc()->storageClassName == std::optional<std::string>(""));
  CHECK_FALSE(named.spec.storage.managedClaim());
  CHECK(named.spec.storage.shared());
}

TEST_CASE("integral floats are accepted where integers are expected") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir + "  replicas: 1.0\n"));
  CHECK(config.spec.replicas == 1);
}

TEST_CASE("each malformed CR is refused with the field named") {
  struct Case {
    const char* what;
    std::string spec;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"missing storage", "  replicas: 1\n", "spec.storage: exactly one of emptyDir, pvc, s3"},
      {"two storage types", "  storage:\n    emptyDir: {}\n    s3: {bucket: abc, region: x}\n",
       "spec.storage: exactly one of emptyDir, pvc, s3 must be set"},
      {"storage not an object", "  storage: emptyDir\n", "spec.storage: must be an object"},
      {"replicas 3 on emptyDir", kEmptyDir + "  replicas: 3\n",
       "spec.replicas: more than one replica needs shared storage"},
      {"replicas 2 on a ReadWriteOnce claim",
       "  replicas: 2\n  rolloutStrategy: Recreate\n  storage:\n    pvc: {}\n",
       "spec.replicas: more than one replica needs shared storage"},
      {"ReadWriteOnce claim with RollingUpdate", "  storage:\n    pvc: {claim: data}\n",
       "spec.rolloutStrategy: a ReadWriteOnce claim needs rolloutStrategy Recreate"},
      {"negative replicas", kEmptyDir + "  replicas: -1\n", "spec.replicas: must be >= 0"},
      {"replicas beyond int32", kEmptyDir + "  replicas: 4294967296\n",
       "spec.replicas: is out of range"},
      {"replicas as text", kEmptyDir + "  replicas: three\n", "spec.replicas: must be an integer"},
      {"fractional replicas", kEmptyDir + "  replicas: 1.5\n", "spec.replicas: must be an integer"},
      {"boolean as text", kEmptyDir + "  readOnly: \"yes\"\n", "spec.readOnly: must be a boolean"},
      {"unknown enum value", kEmptyDir + "  logLevel: Loud\n",
       "spec.logLevel: unsupported value \"Loud\": must be one of Normal, Debug, Trace, TraceAll"},
      {"unknown managementState", kEmptyDir + "  managementState: Gone\n",
       "spec.managementState: unsupported value \"Gone\""},
      {"duplicate route names",
       kEmptyDir + "  routes:\n    - {name: a, hostname: a.example.com}\n    - {name: a}\n",
       "spec.routes[1].name: duplicate route name \"a\""},
      {"reserved route name", kEmptyDir + "  routes:\n    - {name: default-route}\n",
       "spec.routes[0].name: \"default-route\" is reserved"},
      {"route without a name", kEmptyDir + "  routes:\n    - {hostname: a.example.com}\n",
       "spec.routes[0].name: is required"},
      {"route name with capitals", kEmptyDir + "  routes:\n    - {name: Public}\n",
       "spec.routes[0].name: \"Public\" is not a lowercase RFC 1123 label"},
      {"routes not a list", kEmptyDir + "  routes: {name: a}\n", "spec.routes: must be a list"},
      {"route not an object", kEmptyDir + "  routes: [a]\n", "spec.routes[0]: must be an object"},
      {"bad hostname", kEmptyDir + "  routes:\n    - {name: a, hostname: \"-bad-.example\"}\n",
       "spec.routes[0].hostname"},
      {"bad duration", kEmptyDir + "  pruning: {keepYoungerThan: 60 minutes}\n",
       "spec.pruning.keepYoungerThan: \"60 minutes\" is not a duration"},
      {"duration without unit", kEmptyDir + "  pruning: {keepYoungerThan: \"60\"}\n",
       "spec.pruning.keepYoungerThan"},
      {"bad cron: four fields", kEmptyDir + "  pruning: {schedule: \"0 0 * *\"}\n",
       "spec.pruning.schedule: \"0 0 * *\" must have 5 fields"},
      {"bad cron: minute 61", kEmptyDir + "  pruning: {schedule: \"61 0 * * *\"}\n",
       "spec.pruning.schedule: \"61 0 * * *\" invalid minute \"61\""},
      {"bad cron: garbage", kEmptyDir + "  pruning: {schedule: \"every day\"}\n",
       "spec.pruning.schedule"},
      {"negative keepTagRevisions", kEmptyDir + "  pruning: {keepTagRevisions: -2}\n",
       "spec.pruning.keepTagRevisions: must be between 0 and 2147483647"},
      {"tls Secret without secretName", kEmptyDir + "  tls: {mode: Secret}\n",
       "spec.tls.secretName: is required when mode is Secret"},
      {"htpasswdSecret and usersSecret",
       kEmptyDir + "  auth: {type: Htpasswd, htpasswdSecret: a, usersSecret: b}\n",
       "spec.auth.usersSecret: cannot be set together with htpasswdSecret"},
      {"anonymousPull with Htpasswd", kEmptyDir + "  auth: {type: Htpasswd, anonymousPull: true}\n",
       "spec.auth.anonymousPull: is only supported with type Kubernetes"},
      {"bad users Secret name", kEmptyDir + "  auth: {type: Htpasswd, usersSecret: Users}\n",
       "spec.auth.usersSecret: \"Users\" is not a valid Secret name"},
      {"initialAdmin with a colon", kEmptyDir + "  auth: {type: Htpasswd, initialAdmin: \"a:b\"}\n",
       "spec.auth.initialAdmin: \"a:b\" is not an htpasswd user name"},
      {"initialAdmin with a newline",
       kEmptyDir + "  auth: {type: Htpasswd, initialAdmin: \"a\\nb\"}\n",
       "spec.auth.initialAdmin: \"a\\x0ab\" is not an htpasswd user name"},
      {"initialAdmin reserved",
       kEmptyDir + "  auth: {type: Htpasswd, initialAdmin: registry-operator-jobs}\n",
       "spec.auth.initialAdmin: \"registry-operator-jobs\" is reserved for the operator's jobs"},
      {"initialAdmin empty", kEmptyDir + "  auth: {type: Htpasswd, initialAdmin: \"\"}\n",
       "spec.auth.initialAdmin: \"\" is not an htpasswd user name"},
      {"bad secret name", kEmptyDir + "  configBundleSecret: My_Bundle\n",
       "spec.configBundleSecret: \"My_Bundle\" is not a valid Secret name"},
      {"s3 without bucket and region", "  storage:\n    s3: {encrypt: true}\n",
       "spec.storage.s3.bucket: is required; spec.storage.s3.region: is required"},
      {"s3 endpoint not a URL",
       "  storage:\n    s3: {bucket: abc, region: r, regionEndpoint: minio}\n",
       "spec.storage.s3.regionEndpoint: must be an http:// or https:// URL"},
      {"pvc size not a quantity",
       "  rolloutStrategy: Recreate\n  storage:\n    pvc: {size: lots}\n",
       "spec.storage.pvc.size: \"lots\" is not a positive quantity"},
      {"pvc size zero", "  rolloutStrategy: Recreate\n  storage:\n    pvc: {size: 0Gi}\n",
       "spec.storage.pvc.size"},
      {"pvc unknown access mode",
       "  rolloutStrategy: Recreate\n  storage:\n    pvc: {accessModes: [ReadOnlyMany]}\n",
       "spec.storage.pvc.accessModes[0]: unsupported value \"ReadOnlyMany\""},
      {"pvc access mode not a string",
       "  rolloutStrategy: Recreate\n  storage:\n    pvc: {accessModes: [1]}\n",
       "spec.storage.pvc.accessModes[0]: must be a string"},
      {"duplicate mirror",
       kEmptyDir + "  mirrors:\n    - {name: m, source: a/b}\n    - {name: m, source: a/c}\n",
       "spec.mirrors[1].name: duplicate mirror name \"m\""},
      {"mirror source with tag",
       kEmptyDir + "  mirrors:\n    - {name: m, source: docker.io/library/busybox:latest}\n",
       "spec.mirrors[0].source"},
      {"mirror bad tag", kEmptyDir + "  mirrors:\n    - {name: m, source: a/b, tags: [\"-x\"]}\n",
       "spec.mirrors[0].tags[0]: \"-x\" is not a valid tag"},
      {"mirror bad interval",
       kEmptyDir + "  mirrors:\n    - {name: m, source: a/b, interval: soon}\n",
       "spec.mirrors[0].interval"},
      {"mirror target not a repository name",
       kEmptyDir + "  mirrors:\n    - {name: m, source: a/b, target: Team/App}\n",
       "spec.mirrors[0].target: \"Team/App\" is not a repository name"},
      {"mirror source in upper case",
       kEmptyDir + "  mirrors:\n    - {name: m, source: quay.io/Org/App}\n",
       "spec.mirrors[0].source: invalid image reference \"quay.io/Org/App\": the repository "
       "path must be lower case"},
      {"insecure mirror with a CA",
       kEmptyDir + "  mirrors:\n    - {name: m, source: a/b, insecure: true, caSecret: ca}\n",
       "spec.mirrors[0].caSecret: is meaningless with insecure: true"},
      {"mirror CA Secret name",
       kEmptyDir + "  mirrors:\n    - {name: m, source: a/b, caSecret: Not_A_Name}\n",
       "spec.mirrors[0].caSecret"},
      {"mirror CronJob name too long",
       kEmptyDir + "  mirrors:\n    - {name: a-mirror-name-of-thirty-one-char, source: a/b}\n",
       "spec.mirrors[0].name: \"a-mirror-name-of-thirty-one-char\" makes the CronJob name "
       "image-registry-mirror-a-mirror-name-of-thirty-one-char longer than 52 characters"},
      {"unknown component", kEmptyDir + "  components:\n    - {kind: dashboard, managed: true}\n",
       "spec.components[0].kind: unsupported value \"dashboard\""},
      {"component without managed", kEmptyDir + "  components:\n    - {kind: pruner}\n",
       "spec.components[0].managed: is required"},
      {"duplicate component",
       kEmptyDir + "  components:\n    - {kind: pruner, managed: true}\n    - {kind: pruner, "
                   "managed: false}\n",
       "spec.components[1].kind: duplicate component \"pruner\""},
      {"nodeSelector value not a string", kEmptyDir + "  nodeSelector: {zone: 1}\n",
       "spec.nodeSelector.zone: must be a string"},
      {"tolerations not a list", kEmptyDir + "  tolerations: {key: a}\n",
       "spec.tolerations: must be a list"},
      {"toleration not an object", kEmptyDir + "  tolerations: [a]\n",
       "spec.tolerations[0]: must be an object"},
      {"resources limits not an object", kEmptyDir + "  resources: {limits: 1}\n",
       "spec.resources.limits: must be an object"},
      {"image with spaces", kEmptyDir + "  image: \"registry 2\"\n",
       "spec.image: is not a valid image reference"},
      {"proxy with spaces", kEmptyDir + "  proxy: {http: \"http://a b\"}\n",
       "spec.proxy.http: must not contain whitespace"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    std::string message = parseError(crWithSpec(c.spec));
    INFO(message);
    CHECK(message.find(c.expected) != std::string::npos);
  }
}

TEST_CASE("valid cross-field combinations are accepted") {
  parseOk(crWithSpec("  replicas: 3\n  storage:\n    s3: {bucket: images, region: us-east-1}\n"));
  parseOk(crWithSpec("  replicas: 2\n  storage:\n    pvc: {accessModes: [ReadWriteMany]}\n"));
  parseOk(crWithSpec("  rolloutStrategy: Recreate\n  storage:\n    pvc: {}\n"));
  parseOk(crWithSpec(kEmptyDir + "  replicas: 0\n"));
  parseOk(crWithSpec(kEmptyDir + "  pruning: {schedule: \"@daily\"}\n"));
}

TEST_CASE("every problem of a CR is reported at once") {
  std::string message = parseError(crWithSpec(R"(  replicas: -1
  logLevel: Loud
  storage:
    emptyDir: {}
    pvc: {}
  pruning: {keepYoungerThan: forever}
)"));
  CHECK(message.find("spec.replicas: must be >= 0") != std::string::npos);
  CHECK(message.find("spec.logLevel") != std::string::npos);
  CHECK(message.find("spec.storage: exactly one") != std::string::npos);
  CHECK(message.find("spec.pruning.keepYoungerThan") != std::string::npos);
}

TEST_CASE("CRs that are not objects, or have no usable metadata or spec, are refused") {
  CHECK(parseError(kube::Json(nullptr)).find("RegistryConfig: must be an object") == 0);
  CHECK(parseError(kube::Json::array({1, 2})).find("RegistryConfig: must be an object") == 0);
  CHECK(parseError(kube::Json("spec")).find("RegistryConfig: must be an object") == 0);

  kube::Json cr = {{"metadata", {{"name", "image-registry"}, {"namespace", "registry"}}},
                   {"spec", "emptyDir"}};
  CHECK(parseError(cr) == "spec: must be an object");
  cr["spec"] = kube::Json::array({kube::Json::object()});
  CHECK(parseError(cr) == "spec: must be an object");

  cr.erase("spec");
  CHECK(parseError(cr).find("spec.storage: exactly one") != std::string::npos);

  kube::Json no_metadata = {{"spec", {{"storage", {{"emptyDir", kube::Json::object()}}}}}};
  CHECK(parseError(no_metadata).find("metadata: is required") != std::string::npos);

  kube::Json bad_metadata = no_metadata;
  bad_metadata["metadata"] = {{"name", 7}, {"namespace", "registry"}};
  CHECK(parseError(bad_metadata).find("metadata.name: must be a string") != std::string::npos);

  bad_metadata["metadata"] = {{"name", "Image_Registry"}, {"namespace", "registry"}};
  CHECK(parseError(bad_metadata).find("metadata.name: must be a lowercase RFC 1035 label") !=
        std::string::npos);
  bad_metadata["metadata"] = {{"name", std::string(46, 'a')}, {"namespace", "registry"}};
  CHECK(parseError(bad_metadata).find("metadata.name") != std::string::npos);
  bad_metadata["metadata"] = {{"name", "image-registry"}};
  CHECK(parseError(bad_metadata).find("metadata.namespace: is required") != std::string::npos);
}

// Replaces each value reachable in `document` by each of a set of hostile values, one at a time,
// and hands every variant to `visit`.
static void forEachMutation(const kube::Json& document,
                            const std::function<void(kube::Json)>& visit) {
  const std::vector<kube::Json> hostile = {nullptr,
                                           -1,
                                           0,
                                           1.5,
                                           1e300,
                                           "x",
                                           "",
                                           true,
                                           kube::Json::array(),
                                           kube::Json::object(),
                                           kube::Json::array({nullptr, "a", 1}),
                                           std::uint64_t(18446744073709551615ull)};
  kube::Json flat = document.flatten();
  std::vector<std::string> pointers;
  for (const auto& [pointer, value] : flat.items()) {
    // Every prefix of a leaf pointer is a reachable value too.
    for (std::size_t i = 1; i <= pointer.size(); ++i) {
      if (i == pointer.size() || pointer[i] == '/') pointers.push_back(pointer.substr(0, i));
    }
  }
  std::sort(pointers.begin(), pointers.end());
  pointers.erase(std::unique(pointers.begin(), pointers.end()), pointers.end());
  for (const auto& pointer : pointers) {
    for (const auto& value : hostile) {
      kube::Json mutated = document;
      mutated[kube::Json::json_pointer(pointer)] = value;
      visit(std::move(mutated));
    }
  }
}

TEST_CASE("no mutation of a full CR makes the parser throw or crash") {
  auto json = kube::yamlToJson(crWithSpec(R"(  replicas: 2
  resources: {requests: {cpu: 1}}
  nodeSelector: {a: b}
  tolerations: [{key: a}]
  proxy: {http: "http://p"}
  storage:
    pvc: {claim: c, size: 1Gi, accessModes: [ReadWriteMany]}
  routes: [{name: a, hostname: a.example.com, secretName: s}]
  tls: {mode: Secret, secretName: t}
  auth: {type: Htpasswd, htpasswdSecret: h}
  pruning: {schedule: "0 0 * * *", keepYoungerThan: 1h}
  mirrors: [{name: m, source: a/b, tags: [x]}]
  components: [{kind: pruner, managed: true}]
)"));
  REQUIRE(json.ok());
  int refused = 0;
  int total = 0;
  forEachMutation(json.value(), [&](kube::Json cr) {
    ++total;
    kube::Result<RegistryConfig> parsed = kube::Error(kube::ErrorKind::Other, "not run");
    REQUIRE_NOTHROW(parsed = parseRegistryConfig(cr));
    if (!parsed.ok()) {
      ++refused;
      CHECK(parsed.error().kind() == kube::ErrorKind::Invalid);
      CHECK_FALSE(parsed.error().message().empty());
    }
  });
  CHECK(total > 500);
  CHECK(refused > 0);
}
