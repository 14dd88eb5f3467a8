// scimpp: PATCH requests (RFC 7644 section 3.5.2): the parsed PatchOp message.
//
// CONTRACT (shared by the applier and the dialect normalisers):
//   * parse_patch_request() reads a PatchOp body that is already in RFC form
//     (normalisers run before it on the raw JSON, see normalize.hpp);
//   * `schemas` must contain urn:ietf:params:scim:api:messages:2.0:PatchOp,
//     `Operations` must be a non-empty array (limit: patch_limits), each
//     operation an object with `op` exactly "add", "remove" or "replace",
//     an optional `path` (string, parsed with scim::parse_patch_path), and a
//     `value` (required for add and replace; remove takes none unless a
//     dialect normaliser rewrote it);
//   * errors: 400 invalidSyntax for a malformed message, invalidPath for a bad
//     path, invalidValue for a missing/ill-typed value, tooMany when over the
//     operation limit; `detail` names the operation index ("Operations[2]").
//
// Decisions where the RFC is silent:
//   * member names of the message ("schemas", "Operations", "op", "path",
//     "value") are matched case-insensitively (exact spelling first), like
//     attribute names; the URN in `schemas` too. Unknown members are ignored.
//   * `op` values are case-sensitive here: "Replace" is a dialect (Entra ID)
//     that the normaliser lowercases first.
//   * `"path": null` is the same as no path; any other non-string path is
//     invalidPath.
//   * `"value": null` on add/replace with a path is accepted by the parser
//     (the applier reads it as "unassigned", RFC 7643 section 2.5); a
//     *missing* value is invalidValue, and without a path the value must be
//     an object of attributes (invalidValue otherwise).
//   * a `value` on remove is kept: the applier reads `remove` with a path to
//     a multi-valued attribute and a value list as "remove these values"
//     (apply_options::remove_by_value_list), and rejects it elsewhere.
#pragma once

#include "scim/config.hpp"
#include "scim/detail/ascii.hpp"
#include "scim/error.hpp"
#include "scim/expected.hpp"
#include "scim/filter/parser.hpp"
#include "scim/json.hpp"
#include "scim/schema/urns.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

SCIM_BEGIN_NAMESPACE
namespace patch {

enum class op_type { add, remove, replace };

constexpr std::string_view to_string(op_type t) noexcept {
  switch (t) {
    case op_type::add: return "add";
    case op_type::remove: return "remove";
    case op_type::replace: return "replace";
  }
  return "add";
}

/// One operation of a PatchOp request.
struct operation {
  op_type op = op_type::add;
  /// The parsed `path`, absent for path-less add/replace.
  std::optional<patch_path> path;
  /// The `path` text as received (for error messages and change sets).
  std::string path_text;
  /// The `value` (null when absent).
  json value;
  /// Whether the operation carried a `value` member at all.
  bool has_value = false;
};

/// A parsed PatchOp request.
struct request {
  std::vector<operation> operations;
};

/// Limits for untrusted PATCH bodies.
struct patch_limits {
  std::size_t max_operations = 1000;
  filter::parse_options path_options{};
};

namespace detail {

/// Member `key` of a JSON object: the exact spelling, else the first
/// case-insensitive match; nullptr when absent. One linear pass (message
/// objects have a handful of members).
template <class Json>
auto find_member(Json& obj, std::string_view key) -> decltype(&*obj.begin()) {
  decltype(&*obj.begin()) folded = nullptr;
  if (!obj.is_object()) return folded;
  auto& map = obj.template get_ref<std::conditional_t<std::is_const_v<Json>, const json::object_t&, json::object_t&>>();
  for (auto& [k, v] : map) {
    if (k.size() != key.size()) continue;
    if (std::string_view(k) == key) return &v;
    if (folded == nullptr && scim::detail::iequals(k, key)) folded = &v;
  }
  return folded;
}

inline std::string op_prefix(std::size_t i) { return "Operations[" + std::to_string(i) + "]"; }

inline std::string_view type_name(const json& v) noexcept {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array";
    case json::value_t::string: return "a string";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "an integer";
    case json::value_t::number_float: return "a decimal number";
    case json::value_t::binary: return "binary data";
    case json::value_t::discarded: return "nothing";
  }
  return "a value";
}

// Shared by both overloads: Body is `const json` or `json` (values moved).
template <class Body>
expected<request> parse_patch_request_impl(Body& body, const patch_limits& limits) {
  if (!body.is_object())
    return fail(error_code::invalid_syntax,
                std::string("a PatchOp request must be a JSON object, got ") + std::string(type_name(body)));
  const json* schemas = find_member(body, "schemas");
  if (schemas == nullptr || !schemas->is_array())
    return fail(error_code::invalid_syntax,
                "schemas: a PatchOp request must list " + std::string(urn::patch_op) + " in 'schemas'");
  bool listed = false;
  for (const auto& s : *schemas)
    if (s.is_string()) {
      const std::string& u = s.template get_ref<const std::string&>();
      if (u == urn::patch_op || scim::detail::iequals(u, urn::patch_op)) listed = true;
    }
  if (!listed)
    return fail(error_code::invalid_syntax, "schemas: must contain " + std::string(urn::patch_op));
  auto* ops = find_member(body, "Operations");
  if (ops == nullptr) return fail(error_code::invalid_syntax, "Operations: missing (a PatchOp request needs a list of operations)");
  if (!ops->is_array())
    return fail(error_code::invalid_syntax,
                std::string("Operations: expected an array, got ") + std::string(type_name(*ops)));
  if (ops->empty()) return fail(error_code::invalid_syntax, "Operations: must contain at least one operation");
  if (ops->size() > limits.max_operations)
    return fail(error_code::too_many, "Operations: " + std::to_string(ops->size()) +
                                          " operations exceed the limit of " + std::to_string(limits.max_operations));
  request req;
  req.operations.reserve(ops->size());
  std::size_t i = 0;
  for (auto& o : *ops) {
    const std::size_t index = i++;
    auto where_fn = [index] { return op_prefix(index); };
    if (!o.is_object())
      return fail(error_code::invalid_syntax,
                  where_fn() + ": expected an operation object, got " + std::string(type_name(o)));
    operation& out = req.operations.emplace_back();  // built in place: operations are large
    const json* op = find_member(o, "op");
    if (op == nullptr) return fail(error_code::invalid_syntax, where_fn() + ": missing 'op'");
    if (!op->is_string())
      return fail(error_code::invalid_syntax,
                  where_fn() + ".op: expected a string, got " + std::string(type_name(*op)));
    const std::string& name = op->template get_ref<const std::string&>();
    if (name == "add") {
      out.op = op_type::add;
    } else if (name == "remove") {
      out.op = op_type::remove;
    } else if (name == "replace") {
      out.op = op_type::replace;
    } else {
      std::string shown = name.size() > 40 ? name.substr(0, 40) + "..." : name;
      return fail(error_code::invalid_syntax,
                  where_fn() + ".op: unknown operation '" + shown + "' (expected add, remove or replace)");
    }
    if (auto* path = find_member(o, "path"); path != nullptr && !path->is_null()) {
      if (!path->is_string())
        return fail(error_code::invalid_path,
                    where_fn() + ".path: expected a string, got " + std::string(type_name(*path)));
      const std::string& text = path->template get_ref<const std::string&>();
      auto parsed = parse_patch_path(text, limits.path_options);
      if (!parsed) {
        error e = std::move(parsed.error());
        e.detail = where_fn() + ".path: " + e.detail;
        return fail(std::move(e));
      }
      out.path.emplace(std::move(*parsed));
      if constexpr (std::is_const_v<Body>)
        out.path_text = text;
      else
        out.path_text = std::move(path->template get_ref<std::string&>());  // the parsed path owns its data
    }
    if (auto* value = find_member(o, "value"); value != nullptr) {
      out.has_value = true;
      out.value = std::move(*value);  // copies when Body is const
    }
    if (!out.has_value && out.op != op_type::remove)
      return fail(error_code::invalid_value,
                  where_fn() + ": '" + std::string(to_string(out.op)) + "' needs a 'value'");
    if (!out.path && out.op != op_type::remove && !out.value.is_object())
      return fail(error_code::invalid_value,
                  where_fn() + ": without a 'path' the value of '" + std::string(to_string(out.op)) +
                      "' must be an object of attributes, got " + std::string(type_name(out.value)));
  }
  return req;
}

}  // namespace detail

/// Parses a PatchOp body in strict RFC form (see the top of this header).
inline expected<request> parse_patch_request(const json& body, const patch_limits& limits = {}) {
  return detail::parse_patch_request_impl(body, limits);
}

/// The same, moving the operation values out of `body` instead of copying them.
inline expected<request> parse_patch_request(json&& body, const patch_limits& limits = {}) {
  return detail::parse_patch_request_impl(body, limits);
}

}  // namespace patch
SCIM_END_NAMESPACE
