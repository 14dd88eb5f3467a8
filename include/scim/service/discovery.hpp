// scimpp: the discovery documents (RFC 7644 section 4, RFC 7643 sections
// 5-7, RFC 9865 section 2.4): /ServiceProviderConfig, /ResourceTypes and
// /Schemas, generated from the registry and from what the service enables.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "scim/config.hpp"
#include "scim/json.hpp"
#include "scim/schema/registry.hpp"
#include "scim/schema/schema_json.hpp"
#include "scim/schema/urns.hpp"

SCIM_BEGIN_NAMESPACE
namespace service {

/// What a service provider supports, as ServiceProviderConfig reports it.
struct capabilities {
  bool patch = true;
  bool bulk = true;
  std::uint64_t bulk_max_operations = 1000;
  std::uint64_t bulk_max_payload_bytes = 1024 * 1024;
  bool filter = true;
  std::int64_t filter_max_results = 1000;
  bool change_password = false;
  bool sort = true;
  bool etag = true;
  /// RFC 9865 pagination.
  bool cursor = true;
  bool index = true;
  std::int64_t default_page_size = 1000;
  std::chrono::seconds cursor_timeout{600};
  std::string documentation_uri{};
  /// authenticationSchemes; null: a bearer-token scheme when `bearer` is set.
  json authentication_schemes = nullptr;
  bool bearer = false;
};

/// The ServiceProviderConfig resource. `location_base` ("https://h/scim/v2")
/// adds meta.location.
inline json service_provider_config(const capabilities& c, std::string_view location_base = "") {
  json j = json::object();
  j["schemas"] = json::array({std::string(urn::service_provider_config)});
  if (!c.documentation_uri.empty()) j["documentationUri"] = c.documentation_uri;
  j["patch"] = {{"supported", c.patch}};
  j["bulk"] = {{"supported", c.bulk},
               {"maxOperations", c.bulk ? c.bulk_max_operations : 0},
               {"maxPayloadSize", c.bulk ? c.bulk_max_payload_bytes : 0}};
  j["filter"] = {{"supported", c.filter}, {"maxResults", c.filter_max_results}};
  j["changePassword"] = {{"supported", c.change_password}};
  j["sort"] = {{"supported", c.sort}};
  j["etag"] = {{"supported", c.etag}};
  json pagination = {{"cursor", c.cursor},
                     {"index", c.index},
                     {"defaultPaginationMethod", c.index || !c.cursor ? "index" : "cursor"},
                     {"defaultPageSize", c.default_page_size},
                     {"maxPageSize", c.filter_max_results}};
  if (c.cursor) pagination["cursorTimeout"] = static_cast<std::int64_t>(c.cursor_timeout.count());
  j["pagination"] = std::move(pagination);
  if (!c.authentication_schemes.is_null()) {
    j["authenticationSchemes"] = c.authentication_schemes;
  } else {
    json schemes = json::array();
    if (c.bearer)
      schemes.push_back({{"type", "oauthbearertoken"},
                         {"name", "OAuth Bearer Token"},
                         {"description", "A bearer token in the Authorization header (RFC 6750)."},
                         {"primary", true}});
    j["authenticationSchemes"] = std::move(schemes);
  }
  json meta = {{"resourceType", "ServiceProviderConfig"}};
  if (!location_base.empty()) {
    std::string loc(location_base);
    while (!loc.empty() && loc.back() == '/') loc.pop_back();
    meta["location"] = loc + "/ServiceProviderConfig";
  }
  j["meta"] = std::move(meta);
  return j;
}

/// A ListResponse of every resource type of the registry.
inline json resource_types_list(const schema_registry& reg, std::string_view location_base = "") {
  json resources = json::array();
  for (const resource_type* rt : reg.resource_types()) resources.push_back(to_json_representation(*rt, location_base));
  const auto n = resources.size();
  return json{{"schemas", json::array({std::string(urn::list_response)})},
              {"totalResults", n},
              {"itemsPerPage", n},
              {"startIndex", 1},
              {"Resources", std::move(resources)}};
}

/// A ListResponse of every schema of the registry.
inline json schemas_list(const schema_registry& reg, std::string_view location_base = "") {
  json resources = json::array();
  for (const schema* s : reg.schemas()) resources.push_back(to_json_representation(*s, location_base));
  const auto n = resources.size();
  return json{{"schemas", json::array({std::string(urn::list_response)})},
              {"totalResults", n},
              {"itemsPerPage", n},
              {"startIndex", 1},
              {"Resources", std::move(resources)}};
}

}  // namespace service
SCIM_END_NAMESPACE
