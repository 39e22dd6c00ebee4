#pragma once

#include <string>
#include <string_view>

#include "kube/error.h"

namespace oci {

// Turns a registry's error response into an Error: kind from the HTTP status (401
// Unauthorized, 403 Forbidden, 404 NotFound, 429 TooManyRequests, 5xx Server, other 4xx
// BadRequest), httpCode() the status, reason() the first error code of the body
// ({"errors":[{"code":"MANIFEST_UNKNOWN","message":"..."}]}), and a message such as
// "DELETE /v2/a/manifests/sha256:...: 405 UNSUPPORTED: The operation is unsupported."
// A body that is not the registry's error document (an HTML page from a proxy) shows as its
// first line, shortened. Request targets carry no secrets; headers are never quoted.
kube::Error registryError(std::string_view what, int http_status, std::string_view body);

// 405 on a DELETE: the registry runs without storage.delete.enabled.
bool isDeletionDisabled(const kube::Error& error);

}  // namespace oci
