#include <catch2/catch.hpp>

#include <map>
#include <memory>

#include "kube/base64.h"
#include "oci/media_types.h"
#include "oci/registry_client.h"
#include "oci/registry_error.h"
#include "runtime/sha256.h"
#include "support/scripted_transport.h"

namespace {

// One scripted transport per origin; the factory records which origins were asked for.
struct Fixture {
  std::map<std::string, std::shared_ptr<testing::ScriptedTransport>> transports;
  std::vector<std::string> origins_made;
  std::unique_ptr<oci::RegistryClient> client;

  explicit Fixture(oci::Credentials credentials = {}, std::string registry = "https://reg:5000") {
    auto made = oci::RegistryClient::create(
        registry, std::move(credentials), [this](const std::string& origin) {
          origins_made.push_back(origin);
          auto& transport = transports[origin];
          if (!transport) transport = std::make_shared<testing::ScriptedTransport>();
          return kube::Result<kube::HttpTransportPtr>(kube::HttpTransportPtr(transport));
        });
    REQUIRE(made);
    client = std::move(*made);
  }
  testing::ScriptedTransport& at(const std::string& origin) {
    auto& transport = transports[origin];
    if (!transport) transport = std::make_shared<testing::ScriptedTransport>();
    return *transport;
  }
  testing::ScriptedTransport& registry() { return at("https://reg:5000"); }
};

std::string digestOf(const std::string& body) { return "sha256:" + runtime::sha256Hex(body); }

}  // namespace

TEST_CASE("the catalog follows relative next links") {
  Fixture f;
  f.registry().reply(200, R"({"repositories":["a","b"]})",
                     {{"link", R"(</v2/_catalog?last=b&n=2>; rel="next")"}});
  f.registry().reply(200, R"({"repositories":["team/c"]})",
                     {{"link", R"(<https://reg:5000/v2/_catalog?last=team%2Fc&n=2>; rel="next")"}});
  f.registry().reply(200, R"({"repositories":[]})");
  auto repositories = f.client->catalog(2);
  REQUIRE(repositories);
  CHECK(*repositories == std::vector<std::string>{"a", "b", "team/c"});
  auto requests = f.registry().requests();
  REQUIRE(requests.size() == 3);
  CHECK(requests[0].method == "GET");
  CHECK(requests[0].target == "/v2/_catalog?n=2");
  CHECK(requests[0].headers.count("Authorization") == 0);
  CHECK(requests[1].target == "/v2/_catalog?last=b&n=2");
  CHECK(requests[2].target == "/v2/_catalog?last=team%2Fc&n=2");
}

TEST_CASE("a next link to another origin or back to a seen page is refused") {
  Fixture f;
  f.registry().reply(200, R"({"repositories":["a"]})",
                     {{"link", R"(<https://evil/v2/_catalog?last=a>; rel="next")"}});
  auto away = f.client->catalog();
  REQUIRE_FALSE(away);
  CHECK(away.error().message().find("leaves https://reg:5000") != std::string::npos);

  f.registry().reply(200, R"({"repositories":["a"]})",
                     {{"link", R"(</v2/_catalog?n=100>; rel="next")"}});
  f.registry().reply(200, R"({"repositories":["a"]})",
                     {{"link", R"(</v2/_catalog?n=100>; rel="next")"}});
  auto loop = f.client->catalog();
  REQUIRE_FALSE(loop);
  CHECK(loop.error().message().find("do not end") != std::string::npos);
}

TEST_CASE("tags: the list, a next link, and NAME_UNKNOWN as no tags") {
  Fixture f;
  f.registry().reply(200, R"({"name":"team/app","tags":["1","2"]})",
                     {{"link", R"(</v2/team/app/tags/list?last=2&n=2>; rel="next")"}});
  f.registry().reply(200, R"({"name":"team/app","tags":["3"]})");
  auto tags = f.client->tags("team/app");
  REQUIRE(tags);
  CHECK(*tags == std::vector<std::string>{"1", "2", "3"});
  CHECK(f.registry().requests()[0].target == "/v2/team/app/tags/list");
  CHECK(f.registry().requests()[1].target == "/v2/team/app/tags/list?last=2&n=2");

  f.registry().reply(
      404,
      R"({"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]})");
  auto none = f.client->tags("gone");
  REQUIRE(none);
  CHECK(none->empty());

  CHECK_FALSE(f.client->tags("../x"));
}

TEST_CASE("manifest HEAD and GET accept all four media types") {
  Fixture f;
  const std::string body = R"({"schemaVersion":2})";
  const std::string digest = digestOf(body);
  f.registry().reply(200, "",
                     {{"docker-content-digest", digest},
                      {"content-type", std::string(oci::kOciIndex)},
                      {"content-length", "19"}});
  auto head = f.client->headManifest("team/app", "v1");
  REQUIRE(head);
  CHECK(head->digest == digest);
  CHECK(head->media_type == oci::kOciIndex);
  CHECK(head->size == 19);
  auto request = f.registry().requests().at(0);
  CHECK(request.method == "HEAD");
  CHECK(request.target == "/v2/team/app/manifests/v1");
  const std::string accept = request.headers.at("Accept");
  for (auto type :
       {oci::kOciIndex, oci::kOciManifest, oci::kDockerManifestList, oci::kDockerManifest}) {
    CHECK(accept.find(type) != std::string::npos);
  }

  f.registry().reply(
      200, body,
      {{"docker-content-digest", digest}, {"content-type", std::string(oci::kOciManifest)}});
  auto manifest = f.client->getManifest("team/app", digest);
  REQUIRE(manifest);
  CHECK(manifest->body == body);
  CHECK(manifest->media_type == oci::kOciManifest);
  CHECK(f.registry().requests().at(1).method == "GET");
  CHECK(f.registry().requests().at(1).target == "/v2/team/app/manifests/" + digest);
  CHECK(f.registry().requests().at(1).headers.at("Accept") == accept);
}

TEST_CASE("a manifest whose body does not match its digest is refused") {
  Fixture f;
  const std::string wanted = digestOf("one");
  f.registry().reply(200, "two", {{"docker-content-digest", wanted}});
  auto manifest = f.client->getManifest("a", wanted);
  REQUIRE_FALSE(manifest);
  CHECK(manifest.error().is(kube::ErrorKind::Decode));
  CHECK(manifest.error().message().find("does not match its digest") != std::string::npos);
  // Without the header, the digest is the body's own.
  f.registry().reply(200, "three");
  auto by_tag = f.client->getManifest("a", "latest");
  REQUIRE(by_tag);
  CHECK(by_tag->digest == digestOf("three"));
}

TEST_CASE("a blob is read, and a redirect to storage is followed without credentials") {
  Fixture f(oci::Credentials{"alice", "s3cret"});
  const std::string config = R"({"created":"2026-01-01T00:00:00Z"})";
  const std::string digest = digestOf(config);
  f.registry().reply(401, "", {{"www-authenticate", R"(Basic realm="r")"}});
  f.registry().reply(307, "", {{"location", "https://storage:9000/bucket/blob?sig=1"}});
  f.at("https://storage:9000").reply(200, config);
  auto blob = f.client->getBlob("a", digest);
  REQUIRE(blob);
  CHECK(*blob == config);
  CHECK(f.registry().requests().at(1).target == "/v2/a/blobs/" + digest);
  CHECK(f.registry().requests().at(1).headers.at("Authorization") ==
        "Basic " + kube::base64Encode("alice:s3cret"));
  auto storage = f.at("https://storage:9000").requests().at(0);
  CHECK(storage.target == "/bucket/blob?sig=1");
  CHECK(storage.headers.count("Authorization") == 0);
}

TEST_CASE("delete by digest: 202, and 405 when the registry disables deletes") {
  Fixture f;
  const std::string digest = "sha256:" + std::string(64, 'e');
  f.registry().reply(202, "");
  REQUIRE(f.client->deleteManifest("team/app", digest));
  auto request = f.registry().requests().at(0);
  CHECK(request.method == "DELETE");
  CHECK(request.target == "/v2/team/app/manifests/" + digest);

  f.registry().reply(
      405, R"({"errors":[{"code":"UNSUPPORTED","message":"The operation is unsupported."}]})");
  auto refused = f.client->deleteManifest("team/app", digest);
  REQUIRE_FALSE(refused);
  CHECK(oci::isDeletionDisabled(refused.error()));
  CHECK(refused.error().httpCode() == 405);
  CHECK(refused.error().reason() == "UNSUPPORTED");
  CHECK(refused.error().message() == "DELETE /v2/team/app/manifests/" + digest +
                                         ": 405 UNSUPPORTED: The operation is unsupported.");

  // A tag is refused before any request: deleting by tag would be refused by the registry.
  auto by_tag = f.client->deleteManifest("team/app", "latest");
  REQUIRE_FALSE(by_tag);
  CHECK(f.registry().requests().size() == 2);
}

TEST_CASE("the bearer token flow: challenge, token with Basic credentials, cached per scope") {
  Fixture f(oci::Credentials{"bob", "hunter2"});
  auto challenge = [](const std::string& scope) {
    return std::map<std::string, std::string>{
        {"www-authenticate",
         R"(Bearer realm="https://auth:5001/token",service="reg",scope=")" + scope + "\""}};
  };
  f.registry().reply(401, R"({"errors":[{"code":"UNAUTHORIZED"}]})",
                     challenge("repository:team/app:pull"));
  f.at("https://auth:5001").reply(200, R"({"token":"tok-pull","expires_in":300})");
  f.registry().reply(200, R"({"name":"team/app","tags":["1"]})");
  f.registry().reply(200, R"({"name":"team/app","tags":["1"]})");
  REQUIRE(f.client->tags("team/app"));
  REQUIRE(f.client->tags("team/app"));  // the cached token, no new challenge

  auto token_request = f.at("https://auth:5001").requests().at(0);
  CHECK(token_request.method == "GET");
  CHECK(token_request.target == "/token?service=reg&scope=repository%3Ateam%2Fapp%3Apull");
  CHECK(token_request.headers.at("Authorization") == "Basic " + kube::base64Encode("bob:hunter2"));
  auto requests = f.registry().requests();
  REQUIRE(requests.size() == 3);
  CHECK(requests[0].headers.count("Authorization") == 0);
  CHECK(requests[1].headers.at("Authorization") == "Bearer tok-pull");
  CHECK(requests[2].headers.at("Authorization") == "Bearer tok-pull");

  // Another scope (delete) gets its own token.
  const std::string digest = "sha256:" + std::string(64, 'd');
  f.registry().reply(401, "", challenge("repository:team/app:delete"));
  f.at("https://auth:5001").reply(200, R"({"access_token":"tok-delete"})");
  f.registry().reply(202, "");
  REQUIRE(f.client->deleteManifest("team/app", digest));
  CHECK(f.registry().requests().at(3).headers.count("Authorization") == 0);
  CHECK(f.registry().requests().at(4).headers.at("Authorization") == "Bearer tok-delete");
  CHECK(f.at("https://auth:5001").requests().at(1).target ==
        "/token?service=reg&scope=repository%3Ateam%2Fapp%3Adelete");
}

TEST_CASE("a token the registry still refuses is retried once, then Unauthorized") {
  Fixture f;
  const std::map<std::string, std::string> challenge{
      {"www-authenticate", R"(Bearer realm="https://reg:5000/auth",service="reg")"}};
  f.registry().reply(401, "", challenge);
  f.registry().reply(200, R"({"token":"t"})");  // the realm is on the registry's origin
  f.registry().reply(401,
                     R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]})",
                     challenge);
  auto catalog = f.client->catalog();
  REQUIRE_FALSE(catalog);
  CHECK(catalog.error().is(kube::ErrorKind::Unauthorized));
  CHECK(catalog.error().httpCode() == 401);
  CHECK(f.registry().requests().size() == 3);
  CHECK(f.registry().requests()[1].target == "/auth?service=reg&scope=registry%3Acatalog%3A%2A");
}

TEST_CASE("the token server's refusal is Unauthorized and quotes no secret") {
  Fixture f(oci::Credentials{"bob", "hunter2"});
  f.registry().reply(401, "",
                     {{"www-authenticate", R"(Bearer realm="https://auth/token",service="reg")"}});
  f.at("https://auth")
      .reply(401, R"({"errors":[{"code":"UNAUTHORIZED","message":"bad password"}]})");
  auto catalog = f.client->catalog();
  REQUIRE_FALSE(catalog);
  CHECK(catalog.error().is(kube::ErrorKind::Unauthorized));
  CHECK(catalog.error().message() ==
        "GET token from https://auth/token: 401 UNAUTHORIZED: bad password");
  CHECK(catalog.error().message().find("hunter2") == std::string::npos);
  CHECK(catalog.error().message().find(kube::base64Encode("bob:hunter2")) == std::string::npos);
}

TEST_CASE("Basic: credentials are sent once the registry asks, then on every request") {
  Fixture f(oci::Credentials{"alice", "pw"});
  f.registry().reply(401, "", {{"www-authenticate", R"(Basic realm="Registry Realm")"}});
  f.registry().reply(200, R"({"repositories":["a"]})");
  f.registry().reply(200, R"({"name":"a","tags":[]})");
  REQUIRE(f.client->catalog());
  REQUIRE(f.client->tags("a"));
  auto requests = f.registry().requests();
  const std::string basic = "Basic " + kube::base64Encode("alice:pw");
  CHECK(requests[0].headers.count("Authorization") == 0);
  CHECK(requests[1].headers.at("Authorization") == basic);
  CHECK(requests[2].headers.at("Authorization") == basic);

  Fixture anonymous;
  anonymous.registry().reply(401, "", {{"www-authenticate", R"(Basic realm="Registry Realm")"}});
  auto refused = anonymous.client->catalog();
  REQUIRE_FALSE(refused);
  CHECK(refused.error().is(kube::ErrorKind::Unauthorized));
  CHECK(anonymous.registry().requests().size() == 1);
}

TEST_CASE("registry errors carry status and code, other bodies a short line") {
  auto unknown = oci::registryError(
      "GET /v2/a/manifests/1", 404,
      R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{}},{"code":"X"}]})");
  CHECK(unknown.is(kube::ErrorKind::NotFound));
  CHECK(unknown.httpCode() == 404);
  CHECK(unknown.reason() == "MANIFEST_UNKNOWN");
  CHECK(unknown.message() ==
        "GET /v2/a/manifests/1: 404 MANIFEST_UNKNOWN: manifest unknown (and 1 more)");

  auto proxy =
      oci::registryError("GET /v2/_catalog", 502, "<html>\n<body>Bad Gateway</body></html>");
  CHECK(proxy.is(kube::ErrorKind::Server));
  CHECK(proxy.reason().empty());
  CHECK(proxy.message() == "GET /v2/_catalog: 502: <html>");

  CHECK(oci::registryError("x", 403, "").is(kube::ErrorKind::Forbidden));
  CHECK(oci::registryError("x", 400, R"({"errors":"nope"})").is(kube::ErrorKind::BadRequest));
  CHECK(oci::registryError("x", 429, "").is(kube::ErrorKind::TooManyRequests));
  CHECK(oci::registryError("x", 500, "\x01\xff").message() == "x: 500:  ?");
}

TEST_CASE("a transport failure stays a Transport error, and bad registry URLs are refused") {
  Fixture f;  // nothing scripted: the transport fails
  auto catalog = f.client->catalog();
  REQUIRE_FALSE(catalog);
  CHECK(catalog.error().is(kube::ErrorKind::Transport));

  auto factory = [](const std::string&) -> kube::Result<kube::HttpTransportPtr> {
    return kube::Error(kube::ErrorKind::Config, "unused");
  };
  CHECK_FALSE(oci::RegistryClient::create("reg:5000", {}, factory));
  CHECK_FALSE(oci::RegistryClient::create("https://reg:5000/v2/", {}, factory));
  auto trailing = oci::RegistryClient::create("http://Reg:5000/", {}, factory);
  REQUIRE(trailing);
  CHECK((*trailing)->origin() == "http://reg:5000");
}

TEST_CASE("push: HEAD of a blob is true on 200 or a redirect, false on 404") {
  Fixture f;
  const std::string digest = digestOf("layer");
  f.registry().reply(200, "");
  f.registry().reply(404, "");
  f.registry().reply(307, "", {{"location", "https://storage/blob"}});
  f.registry().reply(500, R"({"errors":[{"code":"UNKNOWN","message":"disk"}]})");
  CHECK(*f.client->hasBlob("mirror/app", digest) == true);
  CHECK(*f.client->hasBlob("mirror/app", digest) == false);
  CHECK(*f.client->hasBlob("mirror/app", digest) == true);
  auto broken = f.client->hasBlob("mirror/app", digest);
  REQUIRE_FALSE(broken);
  CHECK(broken.error().message() == "HEAD /v2/mirror/app/blobs/" + digest + ": 500 UNKNOWN: disk");
  auto request = f.registry().requests().at(0);
  CHECK(request.method == "HEAD");
  CHECK(request.target == "/v2/mirror/app/blobs/" + digest);
  CHECK_FALSE(f.client->hasBlob("mirror/app", "sha256:short"));
  CHECK(f.registry().requests().size() == 4);
}

TEST_CASE("push: a mount is 201, and a 202 is an upload started instead, which is cancelled") {
  Fixture f;
  const std::string digest = "sha256:" + std::string(64, 'b');
  const std::string mount =
      "/v2/mirror/app/blobs/uploads/?mount=sha256%3A" + std::string(64, 'b') + "&from=base%2Fimage";
  f.registry().reply(201, "", {{"location", "/v2/mirror/app/blobs/" + digest}});
  REQUIRE(*f.client->mountBlob("mirror/app", digest, "base/image") == true);
  auto request = f.registry().requests().at(0);
  CHECK(request.method == "POST");
  CHECK(request.target == mount);
  CHECK(request.body.empty());

  f.registry().reply(202, "",
                     {{"location", "https://reg:5000/v2/mirror/app/blobs/uploads/u-1?_state=s"}});
  f.registry().reply(204, "");
  REQUIRE(*f.client->mountBlob("mirror/app", digest, "base/image") == false);
  auto cancel = f.registry().requests().at(2);
  CHECK(cancel.method == "DELETE");
  CHECK(cancel.target == "/v2/mirror/app/blobs/uploads/u-1?_state=s");

  // The cancel is best effort: a failed DELETE still reads as "not mounted".
  f.registry().reply(202, "", {{"location", "/v2/mirror/app/blobs/uploads/u-2"}});
  f.registry().reply(500, "");
  CHECK(*f.client->mountBlob("mirror/app", digest, "base/image") == false);

  f.registry().reply(403, R"({"errors":[{"code":"DENIED","message":"no"}]})");
  auto denied = f.client->mountBlob("mirror/app", digest, "base/image");
  REQUIRE_FALSE(denied);
  CHECK(denied.error().is(kube::ErrorKind::Forbidden));
  CHECK_FALSE(f.client->mountBlob("mirror/app", digest, "../x"));
  CHECK(f.registry().requests().size() == 6);
}

TEST_CASE("push: a monolithic upload POSTs, then PUTs the bytes to the Location with the digest") {
  Fixture f;
  const std::string bytes = std::string("\x1f\x8b layer\0bytes", 14);
  const std::string digest = digestOf(bytes);
  const std::string encoded = "sha256%3A" + digest.substr(7);
  // A relative Location with a query (distribution 2.8 sends _state), then an absolute one.
  f.registry().reply(202, "", {{"location", "/v2/mirror/app/blobs/uploads/u-1?_state=abc%3D"}});
  f.registry().reply(201, "", {{"docker-content-digest", digest}});
  REQUIRE(f.client->uploadBlob("mirror/app", digest, bytes));
  f.registry().reply(202, "", {{"location", "https://reg:5000/v2/mirror/app/blobs/uploads/u-2"}});
  f.registry().reply(201, "");
  REQUIRE(f.client->uploadBlob("mirror/app", digest, bytes));
  auto requests = f.registry().requests();
  REQUIRE(requests.size() == 4);
  CHECK(requests[0].method == "POST");
  CHECK(requests[0].target == "/v2/mirror/app/blobs/uploads/");
  CHECK(requests[0].body.empty());
  CHECK(requests[1].method == "PUT");
  CHECK(requests[1].target == "/v2/mirror/app/blobs/uploads/u-1?_state=abc%3D&digest=" + encoded);
  CHECK(requests[1].headers.at("Content-Type") == "application/octet-stream");
  CHECK(requests[1].body == bytes);
  CHECK(requests[3].target == "/v2/mirror/app/blobs/uploads/u-2?digest=" + encoded);

  // A Location on another origin gets neither our bytes nor our credentials.
  f.registry().reply(202, "", {{"location", "https://elsewhere:5000/v2/mirror/app/blobs/u"}});
  auto away = f.client->uploadBlob("mirror/app", digest, bytes);
  REQUIRE_FALSE(away);
  CHECK(away.error().message() ==
        "POST /v2/mirror/app/blobs/uploads/: the upload Location "
        "\"https://elsewhere:5000/v2/mirror/app/blobs/u\" leaves https://reg:5000");
  CHECK(f.registry().requests().size() == 5);
  CHECK(f.transports.count("https://elsewhere:5000") == 0);

  f.registry().reply(202, "");
  CHECK(f.client->uploadBlob("mirror/app", digest, bytes).error().message() ==
        "POST /v2/mirror/app/blobs/uploads/: the registry sent no upload Location");

  // The registry checks the bytes against the digest.
  f.registry().reply(202, "", {{"location", "/v2/mirror/app/blobs/uploads/u-3"}});
  f.registry().reply(
      400, R"({"errors":[{"code":"DIGEST_INVALID","message":"provided digest did not match"}]})");
  auto invalid = f.client->uploadBlob("mirror/app", digest, bytes);
  REQUIRE_FALSE(invalid);
  CHECK(invalid.error().message() == "PUT the blob " + digest +
                                         " to mirror/app: 400 DIGEST_INVALID: provided digest did "
                                         "not match");
}

TEST_CASE("push: a manifest goes byte for byte with its media type, and its digest comes back") {
  Fixture f;
  const std::string body = "{\n   \"schemaVersion\": 2 }";
  const std::string digest = digestOf(body);
  f.registry().reply(201, "", {{"docker-content-digest", digest}});
  auto stored = f.client->putManifest("mirror/app", "v1", std::string(oci::kOciIndex), body);
  REQUIRE(stored);
  CHECK(*stored == digest);
  auto request = f.registry().requests().at(0);
  CHECK(request.method == "PUT");
  CHECK(request.target == "/v2/mirror/app/manifests/v1");
  CHECK(request.headers.at("Content-Type") == oci::kOciIndex);
  CHECK(request.body == body);

  f.registry().reply(201, "", {{"docker-content-digest", digestOf("other")}});
  auto changed = f.client->putManifest("mirror/app", digest, std::string(oci::kOciIndex), body);
  REQUIRE_FALSE(changed);
  CHECK(changed.error().message().find("the registry stored " + digestOf("other")) !=
        std::string::npos);
  // By digest, the body must have that digest: nothing is sent otherwise.
  CHECK_FALSE(
      f.client->putManifest("mirror/app", digestOf("x"), std::string(oci::kOciIndex), body));
  CHECK(f.registry().requests().size() == 2);
}

TEST_CASE("push: tokens ask for pull,push, and a mount's also for pull on the other repository") {
  Fixture f(oci::Credentials{"bob", "hunter2"});
  const std::map<std::string, std::string> challenge{
      {"www-authenticate", R"(Bearer realm="https://auth:5001/token",service="reg")"}};
  const std::string digest = "sha256:" + std::string(64, 'c');
  f.registry().reply(401, "", challenge);
  f.at("https://auth:5001").reply(200, R"({"token":"tok-mount"})");
  f.registry().reply(201, "");
  REQUIRE(*f.client->mountBlob("mirror/app", digest, "base/image"));
  CHECK(f.at("https://auth:5001").requests().at(0).target ==
        "/token?service=reg&scope=repository%3Amirror%2Fapp%3Apull%2Cpush"
        "&scope=repository%3Abase%2Fimage%3Apull");
  CHECK(f.registry().requests().at(1).headers.at("Authorization") == "Bearer tok-mount");

  // Distribution's own challenge names both scopes, space-separated: one parameter each.
  f.registry().reply(
      401, "",
      {{"www-authenticate", R"(Bearer realm="https://auth:5001/token",service="reg",)"
                            R"(scope="repository:mirror/app:pull,push repository:other:pull")"}});
  f.at("https://auth:5001").reply(200, R"({"token":"tok-push"})");
  f.registry().reply(201, "");
  REQUIRE(f.client->putManifest("mirror/app", "v1", std::string(oci::kOciManifest), "{}"));
  CHECK(f.at("https://auth:5001").requests().at(1).target ==
        "/token?service=reg&scope=repository%3Amirror%2Fapp%3Apull%2Cpush"
        "&scope=repository%3Aother%3Apull");
  CHECK(f.registry().requests().at(3).headers.at("Authorization") == "Bearer tok-push");
}
