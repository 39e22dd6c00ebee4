#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <vector>

#include "kube/cancel.h"
#include "kube/object.h"

namespace runtime {

// The informer cache of one watched kind: the latest state of every object, as seen by the
// watcher. Exactly one writer (the Informer feeding it) and any number of concurrent readers;
// reads share a lock and hand out shared pointers to immutable objects, so a reader never copies
// a whole object and never sees one half-written.
//
// Keyed by "<namespace>/<name>" and indexed by controller owner UID, the two questions the
// reconciler asks ("this object", "what does this CR own"). Stored objects have
// metadata.managedFields removed: they are large, and the operator never reads them.
class Store {
 public:
  using ObjectPtr = std::shared_ptr<const kube::Object>;

  // How each object is held. Tree: as parsed, and handed out without a copy. Packed: as
  // MessagePack bytes, decoded into a fresh tree on every read. A parsed tree costs several times
  // its JSON text (a map node, a key string and a value per field), so the packed form holds the
  // large objects an operator owns (Deployments, CronJobs, Secrets) in about a fifth of the
  // memory, for a decode per read (bench/operator_bench measures both). Readers cannot tell the
  // difference, except that two reads of a packed object return different pointers.
  enum class Encoding { Tree, Packed };
  explicit Store(Encoding encoding = Encoding::Tree) : encoding_(encoding) {}

  // Readers.
  ObjectPtr get(const std::string& key) const;  // "<namespace>/<name>" or "<name>"
  ObjectPtr get(const std::string& ns, const std::string& name) const;
  std::vector<ObjectPtr> list() const;  // ordered by key
  // The keys of list(), for a reader that wants one object at a time: a packed store decodes
  // each object per read, and list() holds them all decoded at once.
  std::vector<std::string> keys() const;
  // Objects whose controller ownerReference has this UID.
  std::vector<ObjectPtr> listControlledBy(const std::string& owner_uid) const;
  std::size_t size() const;

  // True once the first complete list was stored; the cache is then a faithful view.
  bool synced() const;
  // Blocks until synced, `timeout` passes or `cancel` fires; returns synced().
  bool waitSynced(const kube::CancelToken& cancel, std::chrono::milliseconds timeout) const;

  // Writer side, for the Informer only.
  // Replaces the whole contents (a relist) and marks the store synced. Returns the objects that
  // disappeared, so that their owners can be told (their deletion produced no watch event).
  // The new contents are the objects staged since the last `first_page` (see stage()) and these;
  // `first_page` true (the default) drops whatever was staged before.
  std::vector<ObjectPtr> replace(std::vector<kube::Object> objects, bool first_page = true);
  // One page of a relist in progress (WatcherEvent::Listed): prepared (packed) at once, so that
  // a packed store never holds a whole list as parsed trees, and kept aside, invisible to readers,
  // until replace() publishes it. `first_page` drops the pages of a list that failed midway.
  void stage(std::vector<kube::Object> page, bool first_page);
  // Inserts or updates; returns the previous object (null if there was none).
  ObjectPtr upsert(kube::Object object);
  // Removes by the object's key; returns what was stored (or the given object if absent).
  ObjectPtr erase(const kube::Object& object);

 private:
  struct Entry {
    ObjectPtr object;       // Encoding::Tree
    std::string packed;     // Encoding::Packed: MessagePack
    std::string owner_uid;  // controller owner, "" if none
  };

  Entry prepare(kube::Object object) const;
  ObjectPtr objectOf(const Entry& entry) const;
  void indexLocked(const std::string& key, const Entry& entry);
  void unindexLocked(const std::string& key, const Entry& entry);
  std::vector<ObjectPtr> collectLocked(const std::set<std::string>& keys) const;

  const Encoding encoding_;
  mutable std::shared_mutex mutex_;
  std::map<std::string, Entry> objects_;
  std::map<std::string, std::set<std::string>> by_owner_;
  // The relist being read (writer only, so unguarded).
  std::map<std::string, Entry> staged_;

  mutable std::mutex synced_mutex_;
  mutable std::condition_variable synced_changed_;
  bool synced_ = false;
};
using StorePtr = std::shared_ptr<Store>;

}  // namespace runtime
