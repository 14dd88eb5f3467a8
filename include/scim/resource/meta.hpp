// scimpp: the `meta` attribute common to every resource (RFC 7643 section 3.1).
#pragma once

#include "scim/config.hpp"
#include "scim/date_time.hpp"
#include "scim/resource/traits.hpp"

#include <optional>
#include <string>
#include <tuple>

SCIM_BEGIN_NAMESPACE

/// Resource metadata, maintained by the service provider.
struct meta {
  std::optional<std::string> resource_type{};  ///< resourceType, e.g. "User"
  std::optional<date_time> created{};
  std::optional<date_time> last_modified{};  ///< lastModified
  std::optional<std::string> location{};     ///< the resource's URI
  std::optional<std::string> version{};      ///< the ETag, e.g. W/"3694e05e9dff590"

  friend bool operator==(const meta&, const meta&) = default;
};

template <>
struct resource_traits<meta> {
  static constexpr auto fields =
      std::make_tuple(field("resourceType", &meta::resource_type), field("created", &meta::created),
                      field("lastModified", &meta::last_modified), field("location", &meta::location),
                      field("version", &meta::version));
};

SCIM_END_NAMESPACE
