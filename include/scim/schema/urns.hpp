// scimpp: the URNs of RFC 7643/7644 schemas and messages.
#pragma once

#include "scim/config.hpp"

#include <string_view>

SCIM_BEGIN_NAMESPACE
namespace urn {

inline constexpr std::string_view user = "urn:ietf:params:scim:schemas:core:2.0:User";
inline constexpr std::string_view group = "urn:ietf:params:scim:schemas:core:2.0:Group";
inline constexpr std::string_view enterprise_user = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
inline constexpr std::string_view schema = "urn:ietf:params:scim:schemas:core:2.0:Schema";
inline constexpr std::string_view resource_type = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
inline constexpr std::string_view service_provider_config =
    "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";

inline constexpr std::string_view list_response = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
inline constexpr std::string_view search_request = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
inline constexpr std::string_view patch_op = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
inline constexpr std::string_view bulk_request = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
inline constexpr std::string_view bulk_response = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";
inline constexpr std::string_view error = "urn:ietf:params:scim:api:messages:2.0:Error";

}  // namespace urn
SCIM_END_NAMESPACE
