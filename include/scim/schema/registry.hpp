// scimpp: a registry of schemas and resource types, and attribute-path
// resolution against a resource type (RFC 7643 sections 3, 6, 7; RFC 7644
// section 3.10 for fully qualified attribute names).
#pragma once

#include "scim/config.hpp"
#include "scim/detail/ascii.hpp"
#include "scim/error.hpp"
#include "scim/expected.hpp"
#include "scim/schema/attribute.hpp"
#include "scim/schema/core_schemas.hpp"
#include "scim/schema/resource_type.hpp"
#include "scim/schema/urns.hpp"

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

SCIM_BEGIN_NAMESPACE

/// The definition an attribute path resolves to.
struct resolved_attribute {
  /// Schema the attribute belongs to (common attributes: the core schema).
  const schema* owner = nullptr;
  /// Top-level attribute.
  const attribute* attr = nullptr;
  /// Sub-attribute, or nullptr.
  const attribute* sub = nullptr;
  /// `owner` is an extension schema of the resource type.
  bool is_extension = false;
  /// id / externalId / meta / schemas (RFC 7643 section 3.1).
  bool is_common = false;

  /// The attribute the path designates: the sub-attribute when there is one.
  const attribute& target() const { return sub ? *sub : *attr; }
};

/// Schemas and resource types known to a service provider or client.
///
/// Every pointer handed out stays valid for the registry's lifetime, also
/// when more schemas or resource types are added and when one is replaced
/// (a replaced definition is retired, not destroyed). Concurrent const use is
/// thread-safe; adding must not race with any other use. Copying a registry
/// copies the current definitions only (pointers then refer to the copy's own
/// storage), so `auto reg = default_registry(); reg.add_schema(...)` is the
/// way to extend the defaults.
class schema_registry {
 public:
  schema_registry() = default;
  schema_registry(const schema_registry& other) { copy_from(other); }
  schema_registry& operator=(const schema_registry& other) {
    if (this != &other) {
      schema_registry tmp(other);
      *this = std::move(tmp);
    }
    return *this;
  }
  // Moving a std::deque keeps its elements in place, so pointers stay valid.
  schema_registry(schema_registry&&) = default;
  schema_registry& operator=(schema_registry&&) = default;
  ~schema_registry() = default;

  /// Adds a schema, replacing one with the same id (compared case-insensitively).
  void add_schema(schema s) {
    schema_storage_.push_back(std::move(s));
    const schema* added = &schema_storage_.back();
    for (auto& p : schemas_) {
      if (detail::iequals(p->id, added->id)) {
        p = added;
        return;
      }
    }
    schemas_.push_back(added);
  }

  /// Adds a resource type, replacing one with the same name (case-insensitive).
  void add_resource_type(resource_type rt) {
    type_storage_.push_back(std::move(rt));
    const resource_type* added = &type_storage_.back();
    for (auto& p : types_) {
      if (detail::iequals(p->name, added->name)) {
        p = added;
        return;
      }
    }
    types_.push_back(added);
  }

  /// The schema with this URN (case-insensitive); nullptr when unknown.
  const schema* find_schema(std::string_view urn) const noexcept {
    for (const schema* s : schemas_)
      if (detail::iequals(s->id, urn)) return s;
    return nullptr;
  }

  /// The resource type with this name ("User"), case-insensitive; nullptr when unknown.
  const resource_type* find_resource_type(std::string_view name) const noexcept {
    for (const resource_type* t : types_)
      if (detail::iequals(t->name, name)) return t;
    return nullptr;
  }

  /// The resource type served at `endpoint` ("/Users"; case-insensitive; the
  /// leading and trailing '/' are optional); nullptr when unknown.
  const resource_type* find_resource_type_by_endpoint(std::string_view endpoint) const noexcept {
    const std::string_view want = trim_slashes(endpoint);
    if (want.empty()) return nullptr;
    for (const resource_type* t : types_)
      if (detail::iequals(trim_slashes(t->endpoint), want)) return t;
    return nullptr;
  }

  /// The first resource type whose core schema is `core_urn` (case-insensitive).
  const resource_type* find_resource_type_by_schema(std::string_view core_urn) const noexcept {
    for (const resource_type* t : types_)
      if (detail::iequals(t->schema, core_urn)) return t;
    return nullptr;
  }

  /// The core schema of `rt`; nullptr when it is not registered.
  const schema* find_core_schema(const resource_type& rt) const noexcept { return find_schema(rt.schema); }

  /// The extension schema `urn` when `rt` declares it and it is registered;
  /// nullptr otherwise.
  const schema* find_extension_schema(const resource_type& rt, std::string_view urn) const noexcept {
    for (const auto& ext : rt.schema_extensions)
      if (detail::iequals(ext.schema, urn)) return find_schema(ext.schema);
    return nullptr;
  }

  /// All schemas, in registration order (a replacement keeps the original's place).
  std::vector<const schema*> schemas() const { return schemas_; }
  /// All resource types, in registration order.
  std::vector<const resource_type*> resource_types() const { return types_; }

  /// Resolves an attribute path without filters against a resource type:
  /// "userName", "name.givenName" (names are case-insensitive), "id",
  /// "meta.created", or a fully qualified
  /// "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName" /
  /// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value".
  ///
  /// A URN prefix is the longest id among the resource type's core schema and
  /// its extensions that prefixes the path case-insensitively and is followed
  /// by ':'. The core URN prefix means the same as no prefix (common
  /// attributes included); unqualified names never reach extension
  /// attributes. An extension URN alone is not an attribute (see
  /// find_extension_schema()). Every failure is 400 invalidPath with a detail
  /// naming the path, except a resource type whose core schema is not
  /// registered (500).
  expected<resolved_attribute> resolve(const resource_type& rt, std::string_view path) const {
    const schema* core = find_schema(rt.schema);
    if (!core) {
      return fail(error::internal("resource type '" + rt.name + "' uses schema '" + rt.schema +
                                  "', which is not registered"));
    }
    if (path.empty()) return fail(error_code::invalid_path, "empty attribute path");
    for (char c : path) {
      if (c == '[' || c == ']' || c == ' ' || c == '"') {
        return fail(error_code::invalid_path,
                    "attribute path '" + std::string(path) + "' must be a plain attribute name without filters");
      }
    }

    resolved_attribute out;
    out.owner = core;
    std::string_view rest = path;

    if (path.find(':') != std::string_view::npos) {
      // Fully qualified: find the longest schema URN of this resource type.
      const schema* best = nullptr;
      bool best_is_ext = false;
      auto consider = [&](const schema* s, bool is_ext) {
        if (!s) return;
        const std::string_view id = s->id;
        if (best && best->id.size() >= id.size()) return;
        if (path.size() > id.size() && path[id.size()] == ':' && detail::istarts_with(path, id)) {
          best = s;
          best_is_ext = is_ext;
        }
      };
      consider(core, false);
      for (const auto& ext : rt.schema_extensions) consider(find_schema(ext.schema), true);

      if (!best) {
        if (detail::iequals(path, core->id)) {
          return fail(error_code::invalid_path,
                      "'" + std::string(path) + "' names the core schema of resource type '" + rt.name +
                          "', not an attribute");
        }
        for (const auto& ext : rt.schema_extensions) {
          if (detail::iequals(path, ext.schema)) {
            return fail(error_code::invalid_path,
                        "'" + std::string(path) + "' names an extension schema of resource type '" +
                            rt.name + "', not an attribute");
          }
        }
        for (const schema* s : schemas_) {
          if (path.size() > s->id.size() && path[s->id.size()] == ':' && detail::istarts_with(path, s->id)) {
            return fail(error_code::invalid_path, "attribute path '" + std::string(path) + "' uses schema '" +
                                                      s->id + "', which is not a schema of resource type '" +
                                                      rt.name + "'");
          }
        }
        return fail(error_code::invalid_path, "attribute path '" + std::string(path) +
                                                  "' does not start with a schema URN of resource type '" +
                                                  rt.name + "'");
      }
      out.owner = best;
      out.is_extension = best_is_ext;
      rest = path.substr(best->id.size() + 1);
      if (rest.empty()) {
        return fail(error_code::invalid_path,
                    "attribute path '" + std::string(path) + "' has no attribute name after the schema URN");
      }
      if (rest.find(':') != std::string_view::npos) {
        return fail(error_code::invalid_path, "attribute path '" + std::string(path) +
                                                  "' does not start with a schema URN of resource type '" +
                                                  rt.name + "'");
      }
    }

    std::string_view attr_name = rest;
    std::string_view sub_name;
    bool has_sub = false;
    if (const auto dot = rest.find('.'); dot != std::string_view::npos) {
      attr_name = rest.substr(0, dot);
      sub_name = rest.substr(dot + 1);
      has_sub = true;
      if (sub_name.find('.') != std::string_view::npos) {
        return fail(error_code::invalid_path, "attribute path '" + std::string(path) +
                                                  "' nests deeper than attribute.subAttribute");
      }
    }
    if (attr_name.empty() || (has_sub && sub_name.empty())) {
      return fail(error_code::invalid_path, "attribute path '" + std::string(path) + "' has an empty name");
    }

    const attribute* a = out.owner->find(attr_name);
    if (!a && !out.is_extension) {
      a = find_common_attribute(attr_name);
      out.is_common = a != nullptr;
    }
    if (!a) {
      return fail(error_code::invalid_path, "unknown attribute '" + std::string(attr_name) + "' in path '" +
                                                std::string(path) + "' (schema " + out.owner->id + ")");
    }
    out.attr = a;
    if (has_sub) {
      if (!a->is_complex()) {
        return fail(error_code::invalid_path, "attribute '" + a->name + "' is not complex, so path '" +
                                                  std::string(path) + "' cannot name a sub-attribute");
      }
      out.sub = a->find_sub_attribute(sub_name);
      if (!out.sub) {
        return fail(error_code::invalid_path, "attribute '" + a->name + "' has no sub-attribute '" +
                                                  std::string(sub_name) + "' (path '" + std::string(path) +
                                                  "')");
      }
    }
    return out;
  }

 private:
  static constexpr std::string_view trim_slashes(std::string_view s) noexcept {
    while (!s.empty() && s.front() == '/') s.remove_prefix(1);
    while (!s.empty() && s.back() == '/') s.remove_suffix(1);
    return s;
  }

  void copy_from(const schema_registry& other) {
    for (const schema* s : other.schemas_) add_schema(*s);
    for (const resource_type* t : other.types_) add_resource_type(*t);
  }

  std::deque<schema> schema_storage_;             // owns every schema ever added
  std::deque<resource_type> type_storage_;        // owns every resource type ever added
  std::vector<const schema*> schemas_;            // live schemas, registration order
  std::vector<const resource_type*> types_;       // live resource types, registration order
};

namespace detail {

inline schema_registry build_default_registry() {
  schema_registry reg;
  reg.add_schema(user_schema());
  reg.add_schema(group_schema());
  reg.add_schema(enterprise_user_schema());
  reg.add_schema(schema_schema());
  reg.add_schema(resource_type_schema());
  reg.add_schema(service_provider_config_schema());

  resource_type user;
  user.id = "User";
  user.name = "User";
  user.endpoint = "/Users";
  user.description = "User Account";
  user.schema = std::string(urn::user);
  user.schema_extensions.push_back({std::string(urn::enterprise_user), false});
  reg.add_resource_type(std::move(user));

  resource_type group;
  group.id = "Group";
  group.name = "Group";
  group.endpoint = "/Groups";
  group.description = "Group";
  group.schema = std::string(urn::group);
  reg.add_resource_type(std::move(group));
  return reg;
}

}  // namespace detail

/// The RFC 7643 schemas (User, Group, EnterpriseUser, Schema, ResourceType,
/// ServiceProviderConfig) and the resource types "User" (/Users, core User,
/// optional EnterpriseUser extension) and "Group" (/Groups). Built once.
inline const schema_registry& default_registry() {
  static const schema_registry reg = detail::build_default_registry();
  return reg;
}

SCIM_END_NAMESPACE
