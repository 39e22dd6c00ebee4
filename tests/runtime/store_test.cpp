#include <atomic>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "runtime/informer.h"
#include "runtime/store.h"

using namespace std::chrono_literals;
using runtime::Store;
using Json = kube::Json;

namespace {

Json object(const std::string& ns, const std::string& name, const std::string& owner_uid = {},
            bool controller = true) {
  Json o = {{"apiVersion", "v1"},
            {"kind", "Secret"},
            {"metadata",
             {{"name", name},
              {"namespace", ns},
              {"uid", "uid-" + name},
              {"managedFields", Json::array({{{"manager", "kubectl"}}})}}}};
  if (!owner_uid.empty()) {
    o["metadata"]["ownerReferences"] = Json::array({{{"apiVersion", "imageregistry.io/v1alpha1"},
                                                     {"kind", "RegistryConfig"},
                                                     {"name", "owner"},
                                                     {"uid", owner_uid},
                                                     {"controller", controller}}});
  }
  return o;
}

std::vector<std::string> keys(const std::vector<Store::ObjectPtr>& objects) {
  std::vector<std::string> out;
  for (const auto& o : objects) out.push_back(kube::keyOf(*o));
  return out;
}

// Every behaviour holds for both ways of holding objects.
Store::Encoding anyEncoding() { return GENERATE(Store::Encoding::Tree, Store::Encoding::Packed); }

}  // namespace

TEST_CASE("store: get by key, list in key order, managedFields stripped") {
  Store store(anyEncoding());
  CHECK(store.upsert(object("b", "x")) == nullptr);
  store.upsert(object("a", "y"));
  store.upsert(object("a", "x"));
  CHECK(store.size() == 3);
  REQUIRE(store.get("a/x"));
  CHECK(*store.get("a", "x") == *store.get("a/x"));
  CHECK(store.get("c/x") == nullptr);
  CHECK(keys(store.list()) == std::vector<std::string>{"a/x", "a/y", "b/x"});
  CHECK_FALSE(store.get("a/x")->at("metadata").contains("managedFields"));
}

TEST_CASE("store: owner index uses the controller ownerReference only and follows updates") {
  Store store(anyEncoding());
  store.upsert(object("a", "1", "owner-1"));
  store.upsert(object("a", "2", "owner-1"));
  store.upsert(object("a", "3", "owner-2"));
  store.upsert(object("a", "4", "owner-1", /*controller=*/false));  // not a controller ref
  CHECK(keys(store.listControlledBy("owner-1")) == std::vector<std::string>{"a/1", "a/2"});
  CHECK(keys(store.listControlledBy("owner-2")) == std::vector<std::string>{"a/3"});
  CHECK(store.listControlledBy("").empty());

  // Re-parenting moves the object between index entries, and the update returns the old one.
  auto previous = store.upsert(object("a", "2", "owner-2"));
  REQUIRE(previous);
  CHECK(previous->at("metadata")["ownerReferences"][0]["uid"] == "owner-1");
  CHECK(keys(store.listControlledBy("owner-1")) == std::vector<std::string>{"a/1"});
  CHECK(keys(store.listControlledBy("owner-2")) == std::vector<std::string>{"a/2", "a/3"});
  store.erase(object("a", "3"));
  CHECK(keys(store.listControlledBy("owner-2")) == std::vector<std::string>{"a/2"});
}

TEST_CASE("store: a relist replaces everything, rebuilds indexes and reports what vanished") {
  Store store(anyEncoding());
  CHECK_FALSE(store.synced());
  store.upsert(object("a", "1", "owner-1"));
  store.upsert(object("a", "2", "owner-1"));
  store.upsert(object("b", "3"));
  auto old_one = store.get("a/1");

  auto removed = store.replace({object("a", "1", "owner-2"), object("c", "9")});
  CHECK(store.synced());
  CHECK(keys(removed) == std::vector<std::string>{"a/2", "b/3"});
  CHECK(keys(store.list()) == std::vector<std::string>{"a/1", "c/9"});
  CHECK(store.listControlledBy("owner-1").empty());
  CHECK(keys(store.listControlledBy("owner-2")) == std::vector<std::string>{"a/1"});
  CHECK(store.get("b/3") == nullptr);
  CHECK(store.get("c/9") != nullptr);
  // Readers holding the old object keep a valid, unchanged copy.
  CHECK(old_one->at("metadata")["ownerReferences"][0]["uid"] == "owner-1");
}

TEST_CASE("store: a packed object reads back equal, every JSON type kept") {
  Store store(Store::Encoding::Packed);
  Json original = object("a", "x", "owner-1");
  original["data"] = {{"count", 3},
                      {"negative", -7},
                      {"big", 18446744073709551615ULL},
                      {"ratio", 0.5},
                      {"whole", 2.0},
                      {"on", true},
                      {"nothing", nullptr},
                      {"list", Json::array({1, "two", Json::object(), Json::array()})},
                      {"text", "caf\u00e9 \u2713"}};
  store.upsert(original);
  original["metadata"].erase("managedFields");
  auto read = store.get("a/x");
  REQUIRE(read);
  CHECK(*read == original);
  CHECK(read->at("data")["whole"].is_number_float());
  CHECK(read->at("data")["big"].is_number_unsigned());
  // Each read decodes a copy of its own; the store keeps no tree.
  CHECK(store.get("a/x") != read);
  CHECK(keys(store.listControlledBy("owner-1")) == std::vector<std::string>{"a/x"});
  auto erased = store.erase(object("a", "x"));
  REQUIRE(erased);
  CHECK(*erased == original);
  CHECK(store.size() == 0);
}

TEST_CASE("store: waitSynced gates on the first list, with a deadline and cancellation") {
  Store store;
  kube::CancelToken cancel;
  CHECK_FALSE(store.waitSynced(cancel, 1ms));
  std::thread writer([&] { store.replace({}); });
  CHECK(store.waitSynced(cancel, 10s));
  writer.join();

  Store other;
  kube::CancelToken cancelled;
  std::thread canceller([&] { cancelled.cancel(); });
  CHECK_FALSE(other.waitSynced(cancelled, 10min));  // returns on cancel, not after 10 minutes
  canceller.join();
}

TEST_CASE("store: concurrent readers see whole objects while one writer updates") {
  Store store;
  std::atomic<bool> stop{false};
  std::atomic<bool> torn{false};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (!stop) {
        for (const auto& o : store.list()) {
          if (o->value("data", Json::object()).value("a", "") !=
              o->value("data", Json::object()).value("b", "")) {
            torn = true;
          }
        }
        (void)store.get("a/k3");
      }
    });
  }
  for (int i = 0; i < 2000; ++i) {
    auto o = object("a", "k" + std::to_string(i % 10));
    o["data"] = {{"a", std::to_string(i)}, {"b", std::to_string(i)}};
    store.upsert(o);
    if (i % 500 == 0) store.replace({o});
  }
  stop = true;
  for (auto& reader : readers) reader.join();
  CHECK_FALSE(torn);
}

TEST_CASE("informer: dispatch feeds the store and tells handlers about old and new objects") {
  auto client = std::shared_ptr<kube::Client>();  // never used: no watcher thread is started
  runtime::Informer informer(kube::Api(client, kube::resources::secrets()));
  std::vector<std::string> seen;
  informer.addHandler([&](const Json& o) {
    seen.push_back(kube::keyOf(o) + "@" +
                   kube::at(o, "/metadata/ownerReferences/0/uid", "none").get<std::string>());
  });

  informer.dispatch(
      {runtime::WatcherEvent::Type::Restarted, {}, {object("a", "1"), object("a", "2")}});
  CHECK(informer.synced());
  CHECK(seen == std::vector<std::string>{"a/1@none", "a/2@none"});

  seen.clear();
  informer.dispatch({runtime::WatcherEvent::Type::Applied, object("a", "1", "o1"), {}});
  CHECK(seen == std::vector<std::string>{"a/1@none", "a/1@o1"});  // old, then new

  seen.clear();
  informer.dispatch({runtime::WatcherEvent::Type::Deleted, object("a", "2"), {}});
  CHECK(seen == std::vector<std::string>{"a/2@none"});
  CHECK(informer.store()->get("a/2") == nullptr);

  // A relist reports current objects and the ones deleted while the watch was down.
  informer.store()->upsert(object("z", "gone"));
  seen.clear();
  informer.dispatch({runtime::WatcherEvent::Type::Restarted, {}, {object("a", "1", "o1")}});
  CHECK(seen == std::vector<std::string>{"a/1@o1", "z/gone@none"});
}

TEST_CASE("store: a relist read in pages is published whole, and a failed one is forgotten") {
  Store store(anyEncoding());
  store.upsert(object("old", "1"));
  store.stage({object("a", "1"), object("a", "2")}, /*first_page=*/true);
  // Staged pages are invisible until the list ends.
  CHECK(keys(store.list()) == std::vector<std::string>{"old/1"});
  CHECK_FALSE(store.synced());
  // That list failed midway; the next one starts again.
  store.stage({object("b", "1")}, /*first_page=*/true);
  store.stage({object("b", "2", "owner-1")}, /*first_page=*/false);
  auto removed = store.replace({object("b", "3")}, /*first_page=*/false);
  CHECK(store.synced());
  CHECK(keys(store.list()) == std::vector<std::string>{"b/1", "b/2", "b/3"});
  CHECK(store.keys() == std::vector<std::string>{"b/1", "b/2", "b/3"});
  CHECK(keys(removed) == std::vector<std::string>{"old/1"});
  CHECK(keys(store.listControlledBy("owner-1")) == std::vector<std::string>{"b/2"});
  // A one-page list (the default) drops anything staged before it.
  store.stage({object("c", "1")}, /*first_page=*/true);
  store.replace({object("d", "1")});
  CHECK(keys(store.list()) == std::vector<std::string>{"d/1"});
}

TEST_CASE("informer: the pages of a relist reach the store and the handlers when it ends") {
  auto client = std::shared_ptr<kube::Client>();  // never used: no watcher thread is started
  runtime::WatcherConfig config;
  config.packed_cache = true;
  runtime::Informer informer(kube::Api(client, kube::resources::secrets()), config);
  std::vector<std::string> seen;
  informer.addHandler([&](const Json& o) { seen.push_back(kube::keyOf(o)); });

  informer.dispatch({runtime::WatcherEvent::Type::Listed, {}, {object("a", "1")}, true});
  CHECK(seen.empty());
  CHECK(informer.store()->size() == 0);
  informer.dispatch({runtime::WatcherEvent::Type::Restarted, {}, {object("a", "2")}, false});
  CHECK(informer.synced());
  CHECK(seen == std::vector<std::string>{"a/1", "a/2"});
  REQUIRE(informer.store()->get("a/1"));
  CHECK_FALSE(informer.store()->get("a/1")->at("metadata").contains("managedFields"));
}
