#pragma once

#include "kube/result.h"
#include "oci/inventory.h"
#include "oci/progress.h"
#include "oci/registry_client.h"

namespace oci {

// Walks the registry: the catalog, each repository's tags, the manifest each tag points at
// (HEAD by tag, then GET by digest once per digest), each image's config blob for its creation
// time, and each index's children (GET by digest, nested indexes included). Costs one HEAD per
// tag plus one GET per distinct manifest and config.
//
// A manifest or config the client cannot read (an unsupported media type, a missing or malformed
// config, a child that was never pushed) is recorded without a creation time, with a note, so
// that it is kept; a repository name or tag outside the API's grammar is skipped with a
// progress line. Failing to talk to the registry at all (transport, authentication, a 5xx) is
// an error: a prune must not plan from half a registry.
kube::Result<Inventory> collectInventory(RegistryClient& client, const ProgressSink& progress);

}  // namespace oci
