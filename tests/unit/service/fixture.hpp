// Shared fixture of the service tests: a memory store, a service over it and
// shorthands that send requests and parse responses.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "scim/json.hpp"
#include "scim/service/service.hpp"
#include "scim/store/memory_store.hpp"

namespace svc_test {

using scim::json;
namespace sv = scim::service;
namespace st = scim::store;

inline const scim::schema_registry& reg() { return scim::default_registry(); }

struct reply {
  sv::response raw;
  json body;
  int status() const { return raw.status; }
  std::string header(std::string_view n) const {
    auto h = raw.header_value(n);
    return h ? std::string(*h) : std::string();
  }
  std::string scim_type() const { return body.is_object() ? body.value("scimType", std::string()) : std::string(); }
};

inline reply wrap(sv::response r) {
  reply out;
  out.raw = std::move(r);
  if (!out.raw.body.empty()) {
    auto parsed = scim::parse_json(out.raw.body);
    REQUIRE_MESSAGE(parsed.has_value(), out.raw.body);
    out.body = std::move(*parsed);
  }
  return out;
}

inline std::string user_body(std::string_view user_name, std::string_view extra = "") {
  std::string s = R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":")" + std::string(user_name) + "\"";
  if (!extra.empty()) s += "," + std::string(extra);
  return s + "}";
}

inline std::string group_body(std::string_view name, std::string_view members_json = "") {
  std::string s = R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":")" + std::string(name) + "\"";
  if (!members_json.empty()) s += ",\"members\":" + std::string(members_json);
  return s + "}";
}

inline std::string patch_body(std::string_view ops_json) {
  return R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":)" + std::string(ops_json) + "}";
}

/// A service over a fresh memory store.
struct fixture {
  st::memory_store store;
  sv::service<st::memory_store> svc;

  explicit fixture(sv::service_options o = {}, st::memory_store_options so = {})
      : store(reg(), std::move(so)), svc(store, reg(), std::move(o)) {}

  reply send(std::string method, std::string path, std::string body = "",
             std::vector<sv::header> headers = {}) {
    sv::request r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.body = std::move(body);
    r.headers = std::move(headers);
    if (!r.body.empty() && !r.header_value("Content-Type")) r.headers.emplace_back("Content-Type", "application/scim+json");
    return wrap(svc.handle(r));
  }
  reply get(std::string path, std::vector<sv::header> h = {}) { return send("GET", std::move(path), "", std::move(h)); }
  reply post(std::string path, std::string body, std::vector<sv::header> h = {}) {
    return send("POST", std::move(path), std::move(body), std::move(h));
  }
  reply put(std::string path, std::string body, std::vector<sv::header> h = {}) {
    return send("PUT", std::move(path), std::move(body), std::move(h));
  }
  reply patch(std::string path, std::string body, std::vector<sv::header> h = {}) {
    return send("PATCH", std::move(path), std::move(body), std::move(h));
  }
  reply del(std::string path, std::vector<sv::header> h = {}) { return send("DELETE", std::move(path), "", std::move(h)); }

  /// Creates a user and returns its id.
  std::string make_user(std::string_view name, std::string_view extra = "") {
    auto r = post("/Users", user_body(name, extra));
    REQUIRE_MESSAGE(r.status() == 201, r.raw.body);
    return r.body["id"].get<std::string>();
  }
  std::string make_group(std::string_view name, std::string_view members_json = "") {
    auto r = post("/Groups", group_body(name, members_json));
    REQUIRE_MESSAGE(r.status() == 201, r.raw.body);
    return r.body["id"].get<std::string>();
  }
};

/// Checks that a reply is a SCIM Error with this status (and scimType when given).
inline void check_error(const reply& r, int status, std::string_view scim_type = "") {
  CHECK_MESSAGE(r.status() == status, r.raw.body);
  CHECK(r.header("Content-Type") == "application/scim+json");
  REQUIRE(r.body.is_object());
  CHECK(r.body["schemas"] == json::array({"urn:ietf:params:scim:api:messages:2.0:Error"}));
  CHECK(r.body["status"] == std::to_string(status));
  CHECK(r.body.contains("detail"));
  if (!scim_type.empty()) CHECK(r.scim_type() == scim_type);
  else CHECK_FALSE(r.body.contains("scimType"));
}

}  // namespace svc_test
