// The "Writing the next controller" example of controller/runtime/README.md, compiled as the
// README shows it: the build copies the README's C++ block into runtime_readme_example.inc
// (extract_code_block.cmake) and includes it as the body of the function below, so that an
// example that no longer compiles fails the `lint: runtime README example` test. Compiled
// only, never linked or run: the names the example leaves to the reader are declarations.

#include <chrono>
#include <memory>
#include <string>

#include "kube/api.h"
#include "kube/cancel.h"
#include "kube/client.h"
#include "kube/object.h"
#include "kube/resource.h"
#include "runtime/controller.h"
#include "runtime/manager.h"
#include "runtime/reconcile_result.h"
#include "runtime/signals.h"

namespace readme_example {

// What the example takes as given.
extern kube::ClientPtr client;                         // kube::Client::create(config)
extern kube::CancelToken cancel;                       // the process's shutdown token
extern const kube::Resource myResource;                // the primary kind
extern const std::string ns;                           // "" for all namespaces
extern const runtime::WatcherConfig byManagedByLabel;  // a label selector for owned objects
extern const runtime::Mapper secretToMyKeys;           // a Secret → the primaries naming it
extern const kube::Api api;                            // where the desired object is applied
extern const kube::Object desired;                     // what the reconcile computed
extern const bool invalid;                             // whether the spec cannot work

int writingTheNextController() {
#include "runtime_readme_example.inc"
}

}  // namespace readme_example
