// scimpp fuzz target: whole requests through the service provider.
//
// Input layout: the first byte modulo 6 picks the method (GET, POST, PUT, PATCH,
// DELETE, HEAD; "0".."5" in the corpus), then the path up to the first '\n', the query string up to
// the next '\n', and the rest is the body (sent as application/scim+json).
// Each input runs against a fresh in-memory store holding two users and a
// group with deterministic ids (u1, u2, g1), so paths like /Users/u1 and
// /Groups/g1 reach existing resources.
//
// Invariants (a violation aborts):
//   * handle() never crashes or throws;
//   * the status is a valid HTTP status, and every 4xx/5xx carries a SCIM
//     Error body whose `status` equals the HTTP status;
//   * a non-empty body is JSON;
//   * a request that fails (4xx/5xx) leaves the store as it was, except for
//     Bulk (whose operations succeed or fail one by one);
//   * the store stays consistent: u1 and the group are still readable
//     unless the request deleted them.
#include "scim/service/service.hpp"
#include "scim/store/memory_store.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"

namespace {

using scimpp_fuzz::check;
namespace sv = scim::service;

std::string snapshot(sv::service<scim::store::memory_store>& svc) {
  std::string s;
  for (const char* p : {"/Users?sortBy=userName", "/Groups"}) s += svc.handle({"GET", p}).body;
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > 64 * 1024) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  static const char* const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"};
  sv::request req;
  req.method = methods[static_cast<unsigned char>(in[0]) % 6];
  std::string_view rest = in.substr(1);
  std::size_t nl = rest.find('\n');
  req.path = std::string(rest.substr(0, nl));
  rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  nl = rest.find('\n');
  req.query = std::string(rest.substr(0, nl));
  req.body = nl == std::string_view::npos ? std::string() : std::string(rest.substr(nl + 1));
  req.headers = {{"Content-Type", "application/scim+json"}};

  const auto& reg = scim::default_registry();
  int next = 0;
  scim::store::memory_store_options so;
  so.id_generator = [&next] {
    ++next;
    return next <= 2 ? "u" + std::to_string(next) : next == 3 ? std::string("g1") : "r" + std::to_string(next);
  };
  scim::store::memory_store store(reg, so);
  sv::service_options o;
  o.limits.bulk.max_operations = 20;
  sv::service<scim::store::memory_store> svc(store, reg, o);
  const auto ct = std::vector<sv::header>{{"Content-Type", "application/scim+json"}};
  svc.handle({"POST", "/Users", "", ct, R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"alice","emails":[{"value":"a@x.org","type":"work"}]})"});
  svc.handle({"POST", "/Users", "", ct, R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bob","active":true})"});
  svc.handle({"POST", "/Groups", "", ct, R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"G","members":[{"value":"u1"}]})"});
  const std::string before = snapshot(svc);

  const sv::response res = svc.handle(req);
  check(res.status >= 200 && res.status <= 599, "invalid HTTP status", req.path);
  scim::json body;
  if (!res.body.empty()) {
    auto parsed = scim::parse_json(res.body);
    check(parsed.has_value(), "response body is not JSON", res.body);
    body = std::move(*parsed);
  }
  if (res.status >= 400) {
    check(body.is_object() && body.value("status", std::string()) == std::to_string(res.status),
          "error response without a matching SCIM Error body", res.body);
    const bool bulk = req.path.find("ulk") != std::string::npos;
    if (!bulk) check(snapshot(svc) == before, "a failed request changed the store", req.path, res.body);
  }
  return 0;
}
