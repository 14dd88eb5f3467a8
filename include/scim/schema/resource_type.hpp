// scimpp: resource types (RFC 7643 section 6).
#pragma once

#include "scim/config.hpp"

#include <string>
#include <vector>

SCIM_BEGIN_NAMESPACE

/// A schema extension attached to a resource type.
struct schema_extension_ref {
  std::string schema;  ///< URN of the extension schema
  bool required = false;
};

/// A resource type: name ("User"), endpoint ("/Users"), core schema URN and extensions.
struct resource_type {
  std::string id;  ///< usually equal to name
  std::string name;
  std::string endpoint;
  std::string description;
  std::string schema;  ///< URN of the core schema
  std::vector<schema_extension_ref> schema_extensions;
};

SCIM_END_NAMESPACE
