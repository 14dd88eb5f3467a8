// scimpp: library version.
#pragma once

#define SCIMPP_VERSION_MAJOR 0
#define SCIMPP_VERSION_MINOR 1
#define SCIMPP_VERSION_PATCH 0
#define SCIMPP_VERSION_STRING "0.1.0"

namespace scim {
/// Version of the scimpp headers in use, e.g. "0.1.0".
inline constexpr const char* version_string = SCIMPP_VERSION_STRING;
inline constexpr int version_major = SCIMPP_VERSION_MAJOR;
inline constexpr int version_minor = SCIMPP_VERSION_MINOR;
inline constexpr int version_patch = SCIMPP_VERSION_PATCH;
}  // namespace scim
