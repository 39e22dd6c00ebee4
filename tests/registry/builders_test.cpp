#include <algorithm>
#include <set>

#include <catch2/catch.hpp>

#include "fixed_inputs.h"
#include "kube/base64.h"
#include "kube/yaml_json.h"
#include "registry/render/builders.h"
#include "registry/render/config_hash.h"
#include "registry/render/config_render.h"
#include "test_support.h"

using namespace registry;
using registry::testing::crWithSpec;
using registry::testing::kEmptyDir;
using registry::testing::kubernetesInputs;
using registry::testing::openshiftInputs;
using registry::testing::parseOk;
using Json = kube::Json;

namespace {

std::vector<Json> objectsOf(const RegistryConfig& config, const Inputs& inputs) {
  auto objects = desiredObjects(config, inputs);
  INFO((objects.ok() ? std::string() : objects.error().message()));
  REQUIRE(objects.ok());
  return objects.value();
}

const Json* find(const std::vector<Json>& objects, const std::string& kind,
                 const std::string& name) {
  for (const auto& object : objects) {
    if (object["kind"] == kind && object["metadata"]["name"] == name) return &object;
  }
  return nullptr;
}

std::vector<std::string> kindsAndNames(const std::vector<Json>& objects) {
  std::vector<std::string> result;
  for (const auto& object : objects) {
    result.push_back(object["kind"].get<std::string>() + "/" +
                     object["metadata"]["name"].get<std::string>());
  }
  return result;
}

const Json& registryContainer(const Json& deployment) {
  return deployment["spec"]["template"]["spec"]["containers"][0];
}

}  // namespace

TEST_CASE("a minimal CR on Kubernetes yields the objects in dependency order") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir));
  auto objects = objectsOf(config, kubernetesInputs());
  CHECK(kindsAndNames(objects) == std::vector<std::string>{
                                      "ServiceAccount/image-registry",
                                      "Secret/image-registry-private",
                                      "Secret/image-registry-config",
                                      "Secret/image-registry-ca-key",
                                      "Secret/image-registry-tls",
                                      "ConfigMap/image-registry-ca",
                                      "Service/image-registry",
                                      "Deployment/image-registry",
                                      "ServiceAccount/image-registry-jobs",
                                      "Role/image-registry-jobs",
                                      "RoleBinding/image-registry-jobs",
                                      "CronJob/image-registry-pruner",
                                  });
}

TEST_CASE("every object carries labels, namespace and the controller ownerReference") {
  RegistryConfig config = parseOk(crWithSpec(R"(  replicas: 2
  defaultRoute: true
  routes: [{name: extra, hostname: r.example.com}]
  storage:
    pvc: {accessModes: [ReadWriteMany]}
    deleteOnRemove: true
)"));
  for (const Inputs& inputs : {kubernetesInputs(), openshiftInputs()}) {
    for (const Json& object : objectsOf(config, inputs)) {
      INFO(object["kind"]);
      CHECK(object["apiVersion"].is_string());
      const Json& metadata = object["metadata"];
      CHECK(metadata["namespace"] == "registry");
      CHECK(metadata["labels"]["app.kubernetes.io/name"] == "registry");
      CHECK(metadata["labels"]["app.kubernetes.io/instance"] == "image-registry");
      CHECK(metadata["labels"]["app.kubernetes.io/managed-by"] == "registry-operator");
      CHECK(metadata["labels"]["app.kubernetes.io/part-of"] == "registry-operator");
      CHECK(metadata["labels"].contains("app.kubernetes.io/component"));
      REQUIRE(metadata["ownerReferences"].size() == 1);
      CHECK(metadata["ownerReferences"][0] == Json{{"apiVersion", "imageregistry.io/v1alpha1"},
                                                   {"kind", "RegistryConfig"},
                                                   {"name", "image-registry"},
                                                   {"uid", "0b6b9f0e-1111-2222-3333-444455556666"},
                                                   {"controller", true},
                                                   {"blockOwnerDeletion", true}});
    }
  }
}

TEST_CASE("a CR without uid (offline render) yields objects without ownerReferences") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir));
  config.uid.clear();
  for (const Json& object : objectsOf(config, kubernetesInputs())) {
    CHECK_FALSE(object["metadata"].contains("ownerReferences"));
  }
}

TEST_CASE("the config Secret holds the rendered config and the Deployment its hash") {
  RegistryConfig config =
      parseOk(crWithSpec(kEmptyDir + "  auth: {type: Htpasswd, htpasswdSecret: users}\n"));
  Inputs inputs = kubernetesInputs();
  inputs.htpasswd = "alice:$2y$05$abc\n";
  inputs.configBundle = "log:\n  level: debug\n";
  auto objects = objectsOf(config, inputs);
  const Json* secret = find(objects, "Secret", "image-registry-config");
  REQUIRE(secret != nullptr);
  auto yaml = kube::base64Decode((*secret)["data"]["config.yml"].get<std::string>());
  REQUIRE(yaml);
  auto parsed = kube::yamlToJson(*yaml);
  REQUIRE(parsed.ok());
  CHECK(parsed.value()["log"]["level"] == "debug");
  CHECK(parsed.value()["auth"]["htpasswd"]["path"] == "/etc/registry/htpasswd");
  CHECK(kube::base64Decode((*secret)["data"]["htpasswd"].get<std::string>()) ==
        std::optional<std::string>("alice:$2y$05$abc\n"));

  auto rendered = renderConfig(config, inputs);
  REQUIRE(rendered.ok());
  const Json* deployment = find(objects, "Deployment", "image-registry");
  REQUIRE(deployment != nullptr);
  CHECK((*deployment)["spec"]["template"]["metadata"]["annotations"]
                     ["imageregistry.io/config-hash"] ==
        configHash(rendered.value(), config, inputs));
  // With auth on, probes use the debug listener's health endpoint.
  CHECK(registryContainer(*deployment)["readinessProbe"]["httpGet"]["path"] == "/debug/health");
}

TEST_CASE("the first admin's Secret is basic-auth, its entry is the htpasswd the registry reads") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir + "  auth: {type: Htpasswd}\n"));
  CHECK(config.spec.auth.initialAdmin == "admin");
  Inputs inputs = kubernetesInputs();
  const std::string entry = "admin:$2b$10$" + std::string(53, 'A') + "\n";
  inputs.initialAdmin = GeneratedUser{"admin", "pw0123456789", entry};
  inputs.htpasswd = entry;
  auto objects = objectsOf(config, inputs);
  const auto names = kindsAndNames(objects);
  // Before N-config, whose htpasswd is made from it.
  auto at = [&](const std::string& name) {
    return std::find(names.begin(), names.end(), name) - names.begin();
  };
  CHECK(at("Secret/image-registry-admin") < at("Secret/image-registry-config"));
  CHECK(find(objects, "Secret", "image-registry-htpasswd") == nullptr);
  const Json* admin = find(objects, "Secret", "image-registry-admin");
  REQUIRE(admin != nullptr);
  CHECK((*admin)["type"] == "kubernetes.io/basic-auth");
  CHECK((*admin)["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "registry-operator");
  CHECK((*admin)["data"] == Json{{"username", kube::base64Encode("admin")},
                                 {"password", kube::base64Encode("pw0123456789")},
                                 {"htpasswd", kube::base64Encode(entry)}});
  const Json* config_secret = find(objects, "Secret", "image-registry-config");
  REQUIRE(config_secret != nullptr);
  CHECK((*config_secret)["data"]["htpasswd"] == kube::base64Encode(entry));

  // With a users or an htpasswd Secret there is no generated admin.
  for (const char* auth :
       {"  auth: {type: Htpasswd, usersSecret: users}\n",
        "  auth: {type: Htpasswd, htpasswdSecret: users}\n", "  auth: {type: None}\n"}) {
    INFO(auth);
    CHECK(find(objectsOf(parseOk(crWithSpec(kEmptyDir + auth)), inputs), "Secret",
               "image-registry-admin") == nullptr);
  }
}

TEST_CASE("a users Secret's hashes are kept in N-htpasswd, which is there even while refused") {
  RegistryConfig config =
      parseOk(crWithSpec(kEmptyDir + "  auth: {type: Htpasswd, usersSecret: users}\n"));
  Inputs inputs = kubernetesInputs();
  inputs.htpasswd = "alice:$2b$10$" + std::string(53, 'A') + "\n";
  const auto objects = objectsOf(config, inputs);
  const Json* kept = find(objects, "Secret", "image-registry-htpasswd");
  REQUIRE(kept != nullptr);
  CHECK((*kept)["type"] == "Opaque");
  CHECK((*kept)["data"] == Json{{"htpasswd", kube::base64Encode(*inputs.htpasswd)}});
  // The users Secret refused (no htpasswd): still wanted, so that it is held, not deleted.
  inputs.htpasswd.reset();
  const auto refused = objectsOf(config, inputs);
  const Json* held = find(refused, "Secret", "image-registry-htpasswd");
  REQUIRE(held != nullptr);
  CHECK((*held)["data"] == Json::object());
}

TEST_CASE("with auth Htpasswd the pruner and the mirrors log in as the jobs' own user") {
  RegistryConfig config = parseOk(crWithSpec(
      kEmptyDir +
      "  auth: {type: Htpasswd}\n  mirrors: [{name: hub, source: docker.io/library/busybox}]\n"));
  Inputs inputs = kubernetesInputs();
  inputs.jobsUser = registry::testing::kFixedJobsUser;
  auto objects = objectsOf(config, inputs);
  const Json* credentials = find(objects, "Secret", "image-registry-jobs-credentials");
  REQUIRE(credentials != nullptr);
  CHECK((*credentials)["type"] == "kubernetes.io/basic-auth");
  CHECK((*credentials)["data"]["username"] == kube::base64Encode("registry-operator-jobs"));
  const Json mount = {{"mountPath", "/etc/registry-credentials"},
                      {"name", "registry-credentials"},
                      {"readOnly", true}};
  // Only the password is projected into the pods.
  const Json volume = {{"name", "registry-credentials"},
                       {"secret",
                        {{"secretName", "image-registry-jobs-credentials"},
                         {"items", Json::array({{{"key", "password"}, {"path", "password"}}})}}}};
  for (const auto& [name, flags] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"image-registry-pruner", {"--username", "--password-file"}},
           {"image-registry-mirror-hub", {"--target-username", "--target-password-file"}}}) {
    INFO(name);
    const Json* cron_job = find(objects, "CronJob", name);
    REQUIRE(cron_job != nullptr);
    const Json& pod = (*cron_job)["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    const auto command = pod["containers"][0]["command"].get<std::vector<std::string>>();
    auto user = std::find(command.begin(), command.end(), flags[0]);
    REQUIRE(user != command.end());
    CHECK(*(user + 1) == "registry-operator-jobs");
    auto file = std::find(command.begin(), command.end(), flags[1]);
    REQUIRE(file != command.end());
    CHECK(*(file + 1) == "/etc/registry-credentials/password");
    const Json& mounts = pod["containers"][0]["volumeMounts"];
    CHECK(std::find(mounts.begin(), mounts.end(), mount) != mounts.end());
    CHECK(std::find(pod["volumes"].begin(), pod["volumes"].end(), volume) != pod["volumes"].end());
  }
  // Without auth: no user, no flag, no volume.
  auto open = objectsOf(parseOk(crWithSpec(kEmptyDir)), kubernetesInputs());
  CHECK(find(open, "Secret", "image-registry-jobs-credentials") == nullptr);
  CHECK(find(open, "CronJob", "image-registry-pruner")->dump().find("registry-credentials") ==
        std::string::npos);
}

TEST_CASE("the private Secret keeps the generated httpSecret") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir));
  Json secret = buildPrivateSecret(config, kubernetesInputs());
  CHECK(kube::base64Decode(secret["data"]["httpSecret"].get<std::string>()) ==
        std::optional<std::string>(registry::testing::kFixedHttpSecret));
}

TEST_CASE("the Deployment is restricted and mounts what the config names") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir));
  Json deployment = buildDeployment(config, kubernetesInputs(), "hash");
  const Json& pod = deployment["spec"]["template"]["spec"];
  const Json& container = registryContainer(deployment);
  CHECK(deployment["spec"]["replicas"] == 1);
  CHECK(deployment["spec"]["selector"]["matchLabels"] ==
        Json{{"app.kubernetes.io/name", "registry"},
             {"app.kubernetes.io/instance", "image-registry"},
             {"app.kubernetes.io/component", "registry"}});
  CHECK(pod["serviceAccountName"] == "image-registry");
  CHECK(pod["enableServiceLinks"] == false);
  CHECK(pod["securityContext"]["runAsNonRoot"] == true);
  CHECK(pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault");
  // The upstream image declares no user: on Kubernetes the pod names one (runAsNonRoot).
  CHECK(pod["securityContext"]["runAsUser"] == 1001);
  CHECK(pod["securityContext"]["runAsGroup"] == 1001);
  CHECK(pod["securityContext"]["fsGroup"] == 1001);
  CHECK(container["securityContext"]["readOnlyRootFilesystem"] == true);
  CHECK(container["securityContext"]["allowPrivilegeEscalation"] == false);
  CHECK(container["securityContext"]["capabilities"]["drop"] == Json::array({"ALL"}));
  CHECK(container["command"] == Json::array({"/bin/registry"}));
  CHECK(container["args"] == Json::array({"serve", "/etc/registry/config.yml"}));
  CHECK(container["image"] == "docker.io/library/registry:2");
  CHECK(container["readinessProbe"]["httpGet"] ==
        Json{{"path", "/v2/"}, {"port", "registry"}, {"scheme", "HTTPS"}});
  std::set<std::string> mounts;
  for (const auto& mount : container["volumeMounts"]) mounts.insert(mount["mountPath"]);
  CHECK(mounts ==
        std::set<std::string>{"/var/lib/registry", "/etc/registry", "/tmp", "/etc/registry-tls"});
  CHECK(pod["volumes"][0] == Json{{"name", "registry-storage"}, {"emptyDir", Json::object()}});
}

TEST_CASE("the Deployment follows spec settings") {
  RegistryConfig config = parseOk(crWithSpec(R"(  image: example.com/registry:3
  rolloutStrategy: Recreate
  tls: {mode: Disabled}
  proxy: {https: "http://proxy:3128", noProxy: ".svc"}
  components: [{kind: autoscaling, managed: true}]
  storage:
    s3: {bucket: images, region: r, credentialsSecret: creds}
)"));
  Inputs inputs = kubernetesInputs();
  inputs.platform.runAs = {RunAs::Source::Explicit, 1000, std::nullopt};
  Json deployment = buildDeployment(config, inputs, "hash");
  const Json& container = registryContainer(deployment);
  CHECK_FALSE(deployment["spec"].contains("replicas"));
  CHECK(deployment["spec"]["strategy"] == Json{{"type", "Recreate"}});
  CHECK(container["image"] == "example.com/registry:3");
  CHECK(container["readinessProbe"]["httpGet"]["scheme"] == "HTTP");
  CHECK(deployment["spec"]["template"]["spec"]["securityContext"]["runAsUser"] == 1000);
  CHECK(deployment["spec"]["template"]["spec"]["securityContext"]["runAsGroup"] == 1000);
  CHECK(deployment["spec"]["template"]["spec"]["securityContext"]["fsGroup"] == 1000);
  Json env = container["env"];
  REQUIRE(env.size() == 4);
  CHECK(env[0] == Json{{"name", "HTTPS_PROXY"}, {"value", "http://proxy:3128"}});
  CHECK(env[1] == Json{{"name", "NO_PROXY"}, {"value", ".svc"}});
  CHECK(env[2]["valueFrom"]["secretKeyRef"] ==
        Json{{"name", "creds"}, {"key", "REGISTRY_STORAGE_S3_ACCESSKEY"}});
  for (const auto& volume : deployment["spec"]["template"]["spec"]["volumes"]) {
    CHECK(volume["name"] != "registry-tls");
  }
}

TEST_CASE("pvc storage: the operator's claim or the user's") {
  RegistryConfig managed = parseOk(crWithSpec(R"(  rolloutStrategy: Recreate
  storage:
    pvc: {size: 50Gi, storageClassName: fast}
)"));
  auto claim = buildStorageClaim(managed);
  REQUIRE(claim);
  CHECK((*claim)["metadata"]["name"] == "image-registry-storage");
  CHECK((*claim)["spec"] == Json{{"accessModes", {"ReadWriteOnce"}},
                                 {"resources", {{"requests", {{"storage", "50Gi"}}}}},
                                 {"storageClassName", "fast"}});
  // Data outlives the CR unless deleteOnRemove.
  CHECK_FALSE((*claim)["metadata"].contains("ownerReferences"));
  Json deployment = buildDeployment(managed, kubernetesInputs(), "hash");
  CHECK(
      deployment["spec"]["template"]["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"] ==
      "image-registry-storage");

  RegistryConfig existing =
      parseOk(crWithSpec("  rolloutStrategy: Recreate\n  storage:\n    pvc: {claim: data}\n"));
  CHECK_FALSE(buildStorageClaim(existing).has_value());
  deployment = buildDeployment(existing, kubernetesInputs(), "hash");
  CHECK(
      deployment["spec"]["template"]["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"] ==
      "data");
}

TEST_CASE("default route and routes become Ingresses on Kubernetes") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir + R"(  defaultRoute: true
  routes:
    - {name: public, hostname: registry.example.com, secretName: public-tls}
)"));
  Inputs inputs = kubernetesInputs();
  inputs.platform.ingressClass = "nginx";
  auto routes = buildRoutes(config, inputs);
  REQUIRE(routes.size() == 2);
  CHECK(routes[0]["kind"] == "Ingress");
  CHECK(routes[0]["metadata"]["name"] == "image-registry-default-route");
  CHECK(routes[0]["spec"]["ingressClassName"] == "nginx");
  CHECK(routes[0]["spec"]["rules"][0]["host"] ==
        "image-registry-default-route-registry.apps.example.com");
  CHECK(routes[0]["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"] ==
        Json{{"name", "image-registry"}, {"port", {{"number", 5000}}}});
  CHECK(routes[0]["metadata"]["annotations"]["nginx.ingress.kubernetes.io/backend-protocol"] ==
        "HTTPS");
  CHECK(routes[1]["metadata"]["name"] == "image-registry-public");
  CHECK(routes[1]["spec"]["tls"][0] ==
        Json{{"hosts", {"registry.example.com"}}, {"secretName", "public-tls"}});

  // Without an ingress domain there is no default Ingress (the reconciler reports why).
  inputs.platform.ingressDomain.clear();
  routes = buildRoutes(config, inputs);
  REQUIRE(routes.size() == 1);
  CHECK(routes[0]["metadata"]["name"] == "image-registry-public");
}

TEST_CASE("default route and routes become reencrypt Routes on OpenShift") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir + R"(  defaultRoute: true
  routes:
    - {name: public, hostname: registry.example.com, secretName: public-tls}
)"));
  auto routes = buildRoutes(config, openshiftInputs());
  REQUIRE(routes.size() == 2);
  CHECK(routes[0]["apiVersion"] == "route.openshift.io/v1");
  CHECK(routes[0]["kind"] == "Route");
  CHECK_FALSE(routes[0]["spec"].contains("host"));
  CHECK(routes[0]["spec"]["tls"]["termination"] == "reencrypt");
  CHECK(routes[0]["spec"]["to"] ==
        Json{{"kind", "Service"}, {"name", "image-registry"}, {"weight", 100}});
  CHECK(routes[0]["spec"]["port"] == Json{{"targetPort", "registry"}});
  CHECK(routes[1]["spec"]["host"] == "registry.example.com");
  CHECK(routes[1]["spec"]["tls"]["externalCertificate"] == Json{{"name", "public-tls"}});
}

TEST_CASE("OpenShift: service-ca issues TLS, the operator does not") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir));
  auto objects = objectsOf(config, openshiftInputs());
  CHECK(find(objects, "Secret", "image-registry-tls") == nullptr);
  CHECK(find(objects, "Secret", "image-registry-ca-key") == nullptr);
  const Json* service = find(objects, "Service", "image-registry");
  REQUIRE(service != nullptr);
  CHECK(
      (*service)["metadata"]["annotations"]["service.beta.openshift.io/serving-cert-secret-name"] ==
      "image-registry-tls");
  const Json* ca = find(objects, "ConfigMap", "image-registry-ca");
  REQUIRE(ca != nullptr);
  CHECK((*ca)["metadata"]["annotations"]["service.beta.openshift.io/inject-cabundle"] == "true");
  CHECK_FALSE(ca->contains("data"));
}

TEST_CASE("the Service exposes 5000/TCP named registry to the registry pods") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir));
  Json service = buildService(config, kubernetesInputs());
  CHECK(service["spec"]["ports"] == Json::array({{{"name", "registry"},
                                                  {"port", 5000},
                                                  {"targetPort", "registry"},
                                                  {"protocol", "TCP"}}}));
  CHECK(service["spec"]["selector"]["app.kubernetes.io/component"] == "registry");
  CHECK_FALSE(service["metadata"].contains("annotations"));
}

TEST_CASE("the pruner CronJob follows spec.pruning") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir + R"(  pruning:
    schedule: "30 3 * * 0"
    suspend: true
    keepTagRevisions: 7
    keepYoungerThan: 2h
    successfulJobsHistoryLimit: 1
    failedJobsHistoryLimit: 5
)"));
  auto cron_job = buildPrunerCronJob(config, kubernetesInputs());
  REQUIRE(cron_job);
  const Json& spec = (*cron_job)["spec"];
  CHECK(spec["schedule"] == "30 3 * * 0");
  CHECK(spec["suspend"] == true);
  CHECK(spec["concurrencyPolicy"] == "Forbid");
  CHECK(spec["successfulJobsHistoryLimit"] == 1);
  CHECK(spec["failedJobsHistoryLimit"] == 5);
  const Json& pod = spec["jobTemplate"]["spec"]["template"]["spec"];
  CHECK(pod["restartPolicy"] == "Never");
  CHECK(pod["containers"][0]["image"] == "registry-operator:test");
  CHECK(pod["containers"][0]["command"] ==
        Json::array({"registry-operator", "prune", "--registry",
                     "https://image-registry.registry.svc:5000", "--keep-tag-revisions", "7",
                     "--keep-younger-than", "2h", "--report-status", "registry/image-registry",
                     "--ca-file", "/etc/registry-ca/ca.crt"}));
  // It reports in the CR's status as the jobs' own ServiceAccount, not the registry's.
  CHECK(pod["serviceAccountName"] == "image-registry-jobs");
  CHECK_FALSE(pod.contains("automountServiceAccountToken"));
  CHECK(pod["containers"][0]["securityContext"]["runAsNonRoot"] == true);
  CHECK(spec["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
            ["app.kubernetes.io/component"] == "pruner");

  RegistryConfig unmanaged =
      parseOk(crWithSpec(kEmptyDir + "  components: [{kind: pruner, managed: false}]\n"));
  CHECK_FALSE(buildPrunerCronJob(unmanaged, kubernetesInputs()).has_value());
}

TEST_CASE("mirrors: one CronJob per mirror runs `registry-operator mirror` on its interval") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir + R"(  mirrors:
    - name: busybox
      source: docker.io/library/busybox
      tags: ["1.36", latest]
      interval: 45m
      pullSecret: hub-credentials
    - name: app
      source: 10.0.0.5:5000/team/app
      target: mirrored/app
      insecure: true
    - name: lab
      source: lab.example.com/base/image
      caSecret: lab-ca
      interval: 6h
)"));
  auto cron_jobs = buildMirrorCronJobs(config, kubernetesInputs());
  REQUIRE(cron_jobs.size() == 3);
  CHECK(kindsAndNames(cron_jobs) ==
        std::vector<std::string>{"CronJob/image-registry-mirror-busybox",
                                 "CronJob/image-registry-mirror-app",
                                 "CronJob/image-registry-mirror-lab"});
  const Json& busybox = cron_jobs[0]["spec"];
  // 45m rounds down to the cron step 30m, at a minute offset from the CronJob's name.
  CHECK_THAT(busybox["schedule"].get<std::string>(),
             Catch::Matches("[0-9]+-59/30 \\* \\* \\* \\*"));
  CHECK(busybox["concurrencyPolicy"] == "Forbid");
  const Json& pod = busybox["jobTemplate"]["spec"]["template"]["spec"];
  CHECK(busybox["jobTemplate"]["spec"]["backoffLimit"] == 0);
  CHECK(pod["serviceAccountName"] == "image-registry-jobs");
  CHECK(pod["containers"][0]["image"] == "registry-operator:test");
  CHECK(pod["containers"][0]["command"] == Json::array({"registry-operator",
                                                        "mirror",
                                                        "--source",
                                                        "docker.io/library/busybox",
                                                        "--target",
                                                        "https://image-registry.registry.svc:5000",
                                                        "--target-repository",
                                                        "library/busybox",
                                                        "--tag",
                                                        "1.36",
                                                        "--tag",
                                                        "latest",
                                                        "--target-ca-file",
                                                        "/etc/registry-ca/ca.crt",
                                                        "--pull-secret-file",
                                                        "/etc/mirror-pull-secret/.dockerconfigjson",
                                                        "--mount-from",
                                                        "mirrored/app",
                                                        "--mount-from",
                                                        "base/image",
                                                        "--report-status",
                                                        "registry/image-registry",
                                                        "--mirror-name",
                                                        "busybox"}));
  // Only the one key of the pull Secret reaches the pod.
  bool pull_secret_projected = false;
  for (const Json& volume : pod["volumes"]) {
    if (volume["name"] != "pull-secret") continue;
    pull_secret_projected = true;
    CHECK(volume["secret"] == Json{{"secretName", "hub-credentials"},
                                   {"items", Json::array({{{"key", ".dockerconfigjson"},
                                                           {"path", ".dockerconfigjson"}}})}});
  }
  CHECK(pull_secret_projected);

  const Json& app = cron_jobs[1]["spec"]["jobTemplate"]["spec"]["template"]["spec"];
  const Json& app_command = app["containers"][0]["command"];
  CHECK(app_command[7] == "mirrored/app");
  // No tags listed: latest, as docker pulls by default.
  CHECK(app_command[8] == "--tag");
  CHECK(app_command[9] == "latest");
  CHECK(std::find(app_command.begin(), app_command.end(), "--source-insecure") !=
        app_command.end());
  const Json& lab = cron_jobs[2]["spec"];
  CHECK_THAT(lab["schedule"].get<std::string>(), Catch::Matches("[0-9]+ [0-5]-23/6 \\* \\* \\*"));
  const Json& lab_command =
      lab["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["command"];
  CHECK(std::find(lab_command.begin(), lab_command.end(), "/etc/mirror-source-ca/ca.crt") !=
        lab_command.end());

  RegistryConfig unmanaged =
      parseOk(crWithSpec(kEmptyDir + R"(  mirrors: [{name: a, source: quay.io/org/a}]
  components: [{kind: mirror, managed: false}]
)"));
  CHECK(buildMirrorCronJobs(unmanaged, kubernetesInputs()).empty());
}

TEST_CASE("the jobs' identity may read its own RegistryConfig and patch its status, no more") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir));
  auto identity = buildJobsIdentity(config);
  REQUIRE(kindsAndNames(identity) == std::vector<std::string>{"ServiceAccount/image-registry-jobs",
                                                              "Role/image-registry-jobs",
                                                              "RoleBinding/image-registry-jobs"});
  CHECK(identity[1]["rules"] == Json::array({{{"apiGroups", {"imageregistry.io"}},
                                              {"resources", {"registryconfigs"}},
                                              {"resourceNames", {"image-registry"}},
                                              {"verbs", {"get"}}},
                                             {{"apiGroups", {"imageregistry.io"}},
                                              {"resources", {"registryconfigs/status"}},
                                              {"resourceNames", {"image-registry"}},
                                              {"verbs", {"get", "patch"}}}}));
  CHECK(identity[2]["subjects"] == Json::array({{{"kind", "ServiceAccount"},
                                                 {"name", "image-registry-jobs"},
                                                 {"namespace", "registry"}}}));
  // No job, no identity.
  RegistryConfig without_jobs =
      parseOk(crWithSpec(kEmptyDir + "  components: [{kind: pruner, managed: false}]\n"));
  CHECK(buildJobsIdentity(without_jobs).empty());
}

TEST_CASE("a PodDisruptionBudget only with more than one replica") {
  RegistryConfig one = parseOk(crWithSpec(kEmptyDir));
  CHECK_FALSE(buildPodDisruptionBudget(one).has_value());
  RegistryConfig three =
      parseOk(crWithSpec("  replicas: 3\n  storage:\n    s3: {bucket: abc, region: r}\n"));
  auto budget = buildPodDisruptionBudget(three);
  REQUIRE(budget);
  CHECK((*budget)["apiVersion"] == "policy/v1");
  CHECK((*budget)["spec"]["minAvailable"] == 1);
  three.spec.components[ComponentKind::PodDisruptionBudget] = false;
  CHECK_FALSE(buildPodDisruptionBudget(three).has_value());
}

TEST_CASE("a malformed bundle fails desiredObjects with the field named") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir));
  Inputs inputs = kubernetesInputs();
  inputs.configBundle = "storage: [";
  auto objects = desiredObjects(config, inputs);
  REQUIRE_FALSE(objects.ok());
  CHECK(objects.error().kind() == kube::ErrorKind::Invalid);
  CHECK(objects.error().message().rfind("spec.configBundleSecret", 0) == 0);
}

TEST_CASE("ownedResources covers every kind desiredObjects returns") {
  RegistryConfig config = parseOk(crWithSpec(R"(  replicas: 2
  defaultRoute: true
  storage:
    pvc: {accessModes: [ReadWriteMany]}
)"));
  for (const Inputs& inputs : {kubernetesInputs(), openshiftInputs()}) {
    std::set<std::pair<std::string, std::string>> kinds;
    for (const auto& resource : ownedResources(inputs.platform.platform)) {
      kinds.insert({resource.apiVersion(), resource.kind});
    }
    for (const Json& object : objectsOf(config, inputs)) {
      CHECK(kinds.count({object["apiVersion"], object["kind"]}) == 1);
    }
  }
}

TEST_CASE(
    "autoscaling: a HorizontalPodAutoscaler owns replicas and the budget follows its minimum") {
  RegistryConfig config = parseOk(crWithSpec(R"(  replicas: 1
  components: [{kind: autoscaling, managed: true}]
  autoscaling: {minReplicas: 2, maxReplicas: 4, targetCPUUtilizationPercentage: 60}
  storage:
    s3: {bucket: images, region: r, credentialsSecret: creds}
)"));
  auto objects = objectsOf(config, kubernetesInputs());
  const Json* autoscaler = find(objects, "HorizontalPodAutoscaler", "image-registry");
  REQUIRE(autoscaler != nullptr);
  CHECK((*autoscaler)["apiVersion"] == "autoscaling/v2");
  CHECK((*autoscaler)["spec"]["scaleTargetRef"] ==
        Json{{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", "image-registry"}});
  CHECK((*autoscaler)["spec"]["minReplicas"] == 2);
  CHECK((*autoscaler)["spec"]["maxReplicas"] == 4);
  CHECK((*autoscaler)["spec"]["metrics"][0]["resource"]["target"] ==
        Json{{"type", "Utilization"}, {"averageUtilization", 60}});
  CHECK((*autoscaler)["metadata"]["ownerReferences"][0]["controller"] == true);
  CHECK_FALSE(find(objects, "Deployment", "image-registry")->at("spec").contains("replicas"));
  // spec.replicas is 1, but at least two pods always run: the budget is worth having.
  CHECK(find(objects, "PodDisruptionBudget", "image-registry") != nullptr);

  RegistryConfig manual = parseOk(crWithSpec(kEmptyDir));
  CHECK_FALSE(buildHorizontalPodAutoscaler(manual).has_value());
}

TEST_CASE("node-ca: nodeCA and nodeResolver run one DaemonSet with its own narrow identity") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir + R"(  defaultRoute: true
  components:
    - {kind: nodeCA, managed: true}
    - {kind: nodeResolver, managed: true}
)"));
  Inputs inputs = kubernetesInputs();
  inputs.serviceClusterIP = "198.19.0.42";
  auto objects = objectsOf(config, inputs);
  const Json* role = find(objects, "Role", "image-registry-node-ca");
  const Json* binding = find(objects, "RoleBinding", "image-registry-node-ca");
  const Json* daemon_set = find(objects, "DaemonSet", "image-registry-node-ca");
  REQUIRE(find(objects, "ServiceAccount", "image-registry-node-ca") != nullptr);
  REQUIRE(role != nullptr);
  REQUIRE(binding != nullptr);
  REQUIRE(daemon_set != nullptr);
  // It may read its own DaemonSet and nothing else.
  CHECK((*role)["rules"] == Json::parse(R"([{"apiGroups": ["apps"], "resources": ["daemonsets"],
      "resourceNames": ["image-registry-node-ca"], "verbs": ["get"]}])"));
  CHECK((*binding)["subjects"][0]["name"] == "image-registry-node-ca");

  const Json& pod = (*daemon_set)["spec"]["template"]["spec"];
  CHECK(pod["serviceAccountName"] == "image-registry-node-ca");
  CHECK(pod["tolerations"] == Json::parse(R"([{"operator": "Exists"}])"));
  const Json& container = pod["containers"][0];
  CHECK(container["image"] == inputs.platform.operatorImage);
  std::vector<std::string> command = container["command"];
  std::string joined;
  for (const auto& word : command) joined += word + " ";
  CHECK(joined ==
        "registry-operator node-ca --host-root /host --owner registry/image-registry --daemonset "
        "registry/image-registry-node-ca --ca-file /etc/registry-ca/ca.crt --host "
        "image-registry.registry.svc:5000 --host image-registry-default-route-registry." +
            inputs.platform.ingressDomain + " --resolve image-registry.registry.svc=198.19.0.42 ");
  std::set<std::string> host_paths;
  for (const auto& volume : pod["volumes"]) {
    if (volume.contains("hostPath")) host_paths.insert(volume["hostPath"]["path"]);
  }
  CHECK(host_paths == std::set<std::string>{"/etc/docker/certs.d", "/etc/containers/certs.d",
                                            "/etc/containerd/certs.d", "/etc/hosts"});
  CHECK(container["securityContext"]["runAsUser"] == 0);
  CHECK(container["securityContext"]["allowPrivilegeEscalation"] == false);
  CHECK(container["securityContext"]["capabilities"]["drop"] == Json::array({"ALL"}));
}

TEST_CASE("node-ca: nothing before it is asked for, and no resolver entry before the ClusterIP") {
  CHECK(buildNodeCa(parseOk(crWithSpec(kEmptyDir)), kubernetesInputs()).empty());

  RegistryConfig resolver_only =
      parseOk(crWithSpec(kEmptyDir + "  components: [{kind: nodeResolver, managed: true}]\n"));
  auto objects = buildNodeCa(resolver_only, kubernetesInputs());
  REQUIRE(objects.size() == 4);
  const Json& pod = objects[3]["spec"]["template"]["spec"];
  std::vector<std::string> command = pod["containers"][0]["command"];
  CHECK(std::find(command.begin(), command.end(), "--resolve") == command.end());
  CHECK(std::find(command.begin(), command.end(), "--host") == command.end());
  // No CA volume, but the node's paths are there for the pod to clean up what it wrote before.
  CHECK(pod["volumes"].size() == 4);
}

TEST_CASE("node-ca: with a user TLS Secret only its ca.crt is projected, never the key") {
  RegistryConfig config =
      parseOk(crWithSpec(kEmptyDir + R"(  tls: {mode: Secret, secretName: my-tls}
  components: [{kind: nodeCA, managed: true}]
)"));
  auto objects = buildNodeCa(config, kubernetesInputs());
  REQUIRE(objects.size() == 4);
  const Json& volume = objects[3]["spec"]["template"]["spec"]["volumes"][0];
  CHECK(volume["secret"] == Json::parse(R"({"secretName": "my-tls",
      "items": [{"key": "ca.crt", "path": "ca.crt"}]})"));
}
