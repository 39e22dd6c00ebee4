// The ClusterRoles of auth type Kubernetes: what buildRegistryClusterRoles says, and what
// ensureRegistryClusterRoles asks of the API server (the fake one, which models server-side
// apply) when they are absent, up to date, different, someone else's, or refused.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "kube/cancel.h"
#include "registry/reconcile/cluster_roles.h"
#include "registry/render/builders.h"
#include "support/fake_api_server.h"

using testsupport::FakeApiServer;
using testsupport::Json;

namespace {

const std::string kClusterRoles = "/apis/rbac.authorization.k8s.io/v1/clusterroles";
const std::string kApplyQuery = "?fieldManager=registry-operator&force=true";

// "GET registry-viewer", "PATCH apply registry-editor?fieldManager=...": the requests, whole.
std::vector<std::string> requestsOf(const FakeApiServer& server) {
  std::vector<std::string> out;
  for (const auto& request : server.requests()) {
    std::string text = request.method;
    if (request.method == "PATCH") {
      text += request.content_type == testsupport::kApplyPatch ? " apply" : " other";
    }
    REQUIRE(request.target.rfind(kClusterRoles + "/", 0) == 0);
    out.push_back(text + " " + request.target.substr(kClusterRoles.size() + 1));
  }
  return out;
}

Json desiredRole(const std::string& name) {
  for (const auto& role : registry::buildRegistryClusterRoles()) {
    if (kube::name(role) == name) return role;
  }
  FAIL("no ClusterRole " << name);
  return {};
}

struct Fixture {
  std::shared_ptr<FakeApiServer> server = std::make_shared<FakeApiServer>();
  kube::ClientPtr client = FakeApiServer::clientFor(server);

  kube::Result<void> ensure() {
    server->clearRequests();
    return registry::ensureRegistryClusterRoles(client, kube::CancelToken());
  }
  std::optional<Json> role(const std::string& name) const {
    return server->object(kClusterRoles, name);
  }
};

std::vector<std::string> verbsOf(const Json& role) {
  return kube::at(role, "/rules/0/verbs").get<std::vector<std::string>>();
}

}  // namespace

TEST_CASE("cluster roles: registry-viewer gets and lists, registry-editor also updates, deletes") {
  const auto roles = registry::buildRegistryClusterRoles();
  REQUIRE(roles.size() == 2);
  const Json viewer = desiredRole("registry-viewer");
  const Json editor = desiredRole("registry-editor");
  for (const Json* role : {&viewer, &editor}) {
    INFO(role->dump());
    CHECK(role->at("apiVersion") == "rbac.authorization.k8s.io/v1");
    CHECK(role->at("kind") == "ClusterRole");
    REQUIRE(role->at("rules").size() == 1);
    CHECK(kube::at(*role, "/rules/0/apiGroups") == Json::array({"imageregistry.io"}));
    CHECK(kube::at(*role, "/rules/0/resources") == Json::array({"repositories"}));
    CHECK(kube::label(*role, "app.kubernetes.io/managed-by") == "registry-operator");
    CHECK_FALSE(kube::at(*role, "/metadata").contains("namespace"));
  }
  CHECK(verbsOf(viewer) == std::vector<std::string>{"get", "list"});
  CHECK(verbsOf(editor) == std::vector<std::string>{"get", "list", "update", "delete"});

  // Aggregated into the built-in roles: view, edit and admin may pull; edit and admin push.
  auto aggregatedTo = [](const Json& role) {
    std::vector<std::string> to;
    for (const std::string built_in : {"view", "edit", "admin", "cluster-admin"}) {
      if (kube::label(role, "rbac.authorization.k8s.io/aggregate-to-" + built_in) == "true") {
        to.push_back(built_in);
      }
    }
    return to;
  };
  CHECK(aggregatedTo(viewer) == std::vector<std::string>{"view", "edit", "admin"});
  CHECK(aggregatedTo(editor) == std::vector<std::string>{"edit", "admin"});
}

TEST_CASE("cluster roles: both absent are each read, then created by server-side apply") {
  Fixture f;
  auto result = f.ensure();
  INFO((result.ok() ? std::string() : result.error().message()));
  REQUIRE(result.ok());
  CHECK(requestsOf(*f.server) == std::vector<std::string>{
                                     "GET registry-viewer",
                                     "PATCH apply registry-viewer" + kApplyQuery,
                                     "GET registry-editor",
                                     "PATCH apply registry-editor" + kApplyQuery,
                                 });
  for (const std::string name : {"registry-viewer", "registry-editor"}) {
    auto stored = f.role(name);
    REQUIRE(stored);
    CHECK(stored->at("rules") == desiredRole(name).at("rules"));
    CHECK(kube::label(*stored, "app.kubernetes.io/managed-by") == "registry-operator");
    CHECK(f.server->appliedBy(kClusterRoles, name, "registry-operator"));
  }
}

TEST_CASE("cluster roles: both up to date, a second run only reads") {
  Fixture f;
  REQUIRE(f.ensure().ok());
  const auto viewer = f.role("registry-viewer");
  const auto editor = f.role("registry-editor");
  REQUIRE(f.ensure().ok());
  CHECK(requestsOf(*f.server) ==
        std::vector<std::string>{"GET registry-viewer", "GET registry-editor"});
  CHECK(kube::resourceVersion(*f.role("registry-viewer")) == kube::resourceVersion(*viewer));
  CHECK(kube::resourceVersion(*f.role("registry-editor")) == kube::resourceVersion(*editor));

  // A label someone else added changes nothing of ours.
  Json labelled = *viewer;
  labelled["metadata"]["labels"]["team"] = "platform";
  f.server->put(kClusterRoles, labelled);
  REQUIRE(f.ensure().ok());
  CHECK(requestsOf(*f.server) ==
        std::vector<std::string>{"GET registry-viewer", "GET registry-editor"});
}

TEST_CASE("cluster roles: one whose rules differ is applied again, the other left as it is") {
  Fixture f;
  REQUIRE(f.ensure().ok());
  Json edited = *f.role("registry-editor");
  edited["rules"][0]["verbs"] =
      Json::array({"get", "list", "update", "delete", "deletecollection"});
  f.server->put(kClusterRoles, edited);
  // And one whose aggregation label was removed by hand.
  Json unlabelled = *f.role("registry-viewer");
  unlabelled["metadata"]["labels"].erase("rbac.authorization.k8s.io/aggregate-to-view");
  f.server->put(kClusterRoles, unlabelled);

  REQUIRE(f.ensure().ok());
  CHECK(requestsOf(*f.server) == std::vector<std::string>{
                                     "GET registry-viewer",
                                     "PATCH apply registry-viewer" + kApplyQuery,
                                     "GET registry-editor",
                                     "PATCH apply registry-editor" + kApplyQuery,
                                 });
  CHECK(verbsOf(*f.role("registry-editor")) ==
        std::vector<std::string>{"get", "list", "update", "delete"});
  CHECK(kube::label(*f.role("registry-viewer"), "rbac.authorization.k8s.io/aggregate-to-view") ==
        "true");
}

TEST_CASE("cluster roles: one without our managed-by label is left alone, the other made") {
  Fixture f;
  // OpenShift's own registry-viewer: another group, no label of ours.
  Json theirs = {{"apiVersion", "rbac.authorization.k8s.io/v1"},
                 {"kind", "ClusterRole"},
                 {"metadata", {{"name", "registry-viewer"}}},
                 {"rules", Json::array({{{"apiGroups", Json::array({"image.openshift.io"})},
                                         {"resources", Json::array({"imagestreams/layers"})},
                                         {"verbs", Json::array({"get"})}}})}};
  const Json stored = f.server->put(kClusterRoles, theirs);

  REQUIRE(f.ensure().ok());
  CHECK(requestsOf(*f.server) == std::vector<std::string>{
                                     "GET registry-viewer",
                                     "GET registry-editor",
                                     "PATCH apply registry-editor" + kApplyQuery,
                                 });
  CHECK(*f.role("registry-viewer") == stored);

  // A label of another manager is not ours either.
  Json other = stored;
  other["metadata"]["labels"] = {{"app.kubernetes.io/managed-by", "openshift"}};
  f.server->put(kClusterRoles, other);
  REQUIRE(f.ensure().ok());
  CHECK(requestsOf(*f.server) ==
        std::vector<std::string>{"GET registry-viewer", "GET registry-editor"});
  CHECK(kube::at(*f.role("registry-viewer"), "/rules/0/apiGroups/0") == "image.openshift.io");
}

TEST_CASE("cluster roles: a 403 to read or to apply is an error naming the ClusterRole") {
  SECTION("refused to read") {
    Fixture f;
    f.server->fault({"GET", "clusterroles/registry-viewer", 403});
    auto result = f.ensure();
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().is(kube::ErrorKind::Forbidden));
    CHECK(result.error().message().find("ClusterRole registry-viewer") != std::string::npos);
    CHECK(requestsOf(*f.server) == std::vector<std::string>{"GET registry-viewer"});
  }
  SECTION("refused to apply") {
    Fixture f;
    f.server->fault({"PATCH", "clusterroles/registry-editor", 403});
    auto result = f.ensure();
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().is(kube::ErrorKind::Forbidden));
    CHECK(result.error().message().find("ClusterRole registry-editor") != std::string::npos);
    CHECK(f.role("registry-viewer"));
    CHECK_FALSE(f.role("registry-editor"));
  }
}
