// scimpp: the transport-free parts of Bulk (RFC 7644 section 3.7): reading a
// BulkRequest, ordering its operations by their bulkId references, and
// substituting resolved ids. The service (scim/service/service.hpp) executes
// the operations.
//
//   auto req = scim::service::parse_bulk_request(body, {.max_operations = 1000});
//   auto order = scim::service::bulk_order(*req);   // dependencies first
//
// Rules:
//   * The body must be an object listing urn:...:BulkRequest in `schemas`
//     (400 invalidSyntax otherwise) with an `Operations` array (400
//     invalidSyntax); more than max_operations operations is 413 (the
//     service's maxOperations). `failOnErrors`, when present, must be a
//     positive integer (400 invalidValue).
//   * Each operation is an object with `method` (POST, PUT, PATCH, DELETE;
//     case-insensitive) and `path` (starting with '/'); POST needs `bulkId`
//     (RFC 7644: REQUIRED for POST) and `data`; PUT and PATCH need `data`;
//     `version` (an entity tag) becomes the operation's If-Match. A malformed
//     operation is reported in that operation's result (400 with scimType),
//     the others still run. bulkIds must be unique (a repeated one is an error
//     of the later operation).
//   * References: any JSON string in `data` equal to "bulkId:<id>", and a
//     path segment "bulkId:<id>" (`/Groups/bulkId:qwerty`), refer to the
//     resource created by the operation with that bulkId. Operations run in
//     request order except that an operation runs after the operations it
//     references (a stable topological order). A reference to a bulkId no
//     operation declares is an error of the referring operation (400
//     invalidValue); so is a reference to an operation that failed. A cycle of
//     references (A refers to B, B to A) is detected before anything runs:
//     every operation on the cycle fails with 409 and a detail naming the
//     cycle (RFC 7644 allows 409 for circular references it does not
//     resolve), and operations referring to them fail as referring to failed
//     operations.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "scim/config.hpp"
#include "scim/detail/ascii.hpp"
#include "scim/error.hpp"
#include "scim/expected.hpp"
#include "scim/json.hpp"
#include "scim/schema/urns.hpp"

SCIM_BEGIN_NAMESPACE
namespace service {

/// Limits of a Bulk request.
struct bulk_limits {
  /// maxOperations (ServiceProviderConfig).
  std::size_t max_operations = 1000;
  /// maxPayloadSize in bytes (ServiceProviderConfig).
  std::size_t max_payload_bytes = 1024 * 1024;
};

/// One operation of a BulkRequest.
struct bulk_operation {
  /// Upper-case method: POST, PUT, PATCH or DELETE (empty when malformed).
  std::string method;
  std::optional<std::string> bulk_id{};
  /// The `version` member, used as If-Match.
  std::optional<std::string> version{};
  std::string path;
  /// The `data` member (null when absent).
  json data{};
  /// Set when the operation itself is malformed.
  std::optional<error> problem{};
  /// bulkIds this operation refers to (in `path` and `data`), deduplicated.
  std::vector<std::string> references{};
};

/// A parsed BulkRequest.
struct bulk_request {
  /// failOnErrors; nullopt = process everything.
  std::optional<std::int64_t> fail_on_errors{};
  std::vector<bulk_operation> operations{};
};

namespace detail {

inline constexpr std::string_view bulk_id_prefix = "bulkId:";

inline const json* member_ci(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  if (auto it = obj.find(std::string(key)); it != obj.end()) return &*it;
  for (auto it = obj.begin(); it != obj.end(); ++it)
    if (scim::detail::iequals(it.key(), key)) return &*it;
  return nullptr;
}

inline void add_reference(std::vector<std::string>& refs, std::string_view id) {
  for (const auto& r : refs)
    if (r == id) return;
  refs.emplace_back(id);
}

/// Collects "bulkId:x" strings in a JSON value (iteratively: data is bounded
/// by the JSON parser's depth limit, but no recursion is needed anyway).
inline void collect_references(const json& v, std::vector<std::string>& refs) {
  std::vector<const json*> stack{&v};
  while (!stack.empty()) {
    const json* j = stack.back();
    stack.pop_back();
    if (j->is_string()) {
      const auto& s = j->get_ref<const std::string&>();
      if (s.size() > bulk_id_prefix.size() && std::string_view(s).substr(0, bulk_id_prefix.size()) == bulk_id_prefix)
        add_reference(refs, std::string_view(s).substr(bulk_id_prefix.size()));
    } else if (j->is_array() || j->is_object()) {
      for (const auto& c : *j) stack.push_back(&c);
    }
  }
}

inline void collect_path_references(std::string_view path, std::vector<std::string>& refs) {
  std::size_t pos = 0;
  while (pos <= path.size()) {
    std::size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    const std::string_view seg = path.substr(pos, slash - pos);
    if (seg.size() > bulk_id_prefix.size() && seg.substr(0, bulk_id_prefix.size()) == bulk_id_prefix)
      add_reference(refs, seg.substr(bulk_id_prefix.size()));
    pos = slash + 1;
  }
}

inline error op_problem(error_code code, std::size_t index, const std::string& what) {
  return error(code, "Operations[" + std::to_string(index) + "]: " + what);
}

}  // namespace detail

/// Reads a BulkRequest body (see the top of this header).
inline expected<bulk_request> parse_bulk_request(const json& body, const bulk_limits& limits = {}) {
  if (!body.is_object()) return fail(error_code::invalid_syntax, "a BulkRequest must be a JSON object");
  const json* schemas = detail::member_ci(body, "schemas");
  bool listed = false;
  if (schemas != nullptr && schemas->is_array())
    for (const auto& s : *schemas)
      if (s.is_string() && scim::detail::iequals(s.get_ref<const std::string&>(), urn::bulk_request)) listed = true;
  if (!listed)
    return fail(error_code::invalid_syntax, "schemas: a BulkRequest must list " + std::string(urn::bulk_request));
  const json* ops = detail::member_ci(body, "Operations");
  if (ops == nullptr || !ops->is_array())
    return fail(error_code::invalid_syntax, "Operations: a BulkRequest needs an array of operations");
  if (ops->size() > limits.max_operations)
    return fail(error(413, error_code::none,
                      "the BulkRequest has " + std::to_string(ops->size()) + " operations; maxOperations is " +
                          std::to_string(limits.max_operations)));
  bulk_request out;
  if (const json* f = detail::member_ci(body, "failOnErrors"); f != nullptr && !f->is_null()) {
    if (!f->is_number_integer() || f->get<std::int64_t>() < 1)
      return fail(error_code::invalid_value, "failOnErrors: expected a positive integer");
    out.fail_on_errors = f->get<std::int64_t>();
  }
  std::unordered_map<std::string, std::size_t> seen;
  out.operations.reserve(ops->size());
  for (std::size_t i = 0; i < ops->size(); ++i) {
    const json& o = (*ops)[i];
    bulk_operation op;
    if (!o.is_object()) {
      op.problem = detail::op_problem(error_code::invalid_syntax, i, "an operation must be a JSON object");
      out.operations.push_back(std::move(op));
      continue;
    }
    if (const json* m = detail::member_ci(o, "method"); m != nullptr && m->is_string()) {
      const std::string& s = m->get_ref<const std::string&>();
      for (const char* k : {"POST", "PUT", "PATCH", "DELETE"})
        if (scim::detail::iequals(s, k)) op.method = k;
    }
    if (const json* b = detail::member_ci(o, "bulkId"); b != nullptr && b->is_string())
      op.bulk_id = b->get<std::string>();
    if (const json* v = detail::member_ci(o, "version"); v != nullptr && v->is_string())
      op.version = v->get<std::string>();
    if (const json* p = detail::member_ci(o, "path"); p != nullptr && p->is_string()) op.path = p->get<std::string>();
    if (const json* d = detail::member_ci(o, "data")) op.data = *d;

    if (op.method.empty())
      op.problem = detail::op_problem(error_code::invalid_syntax, i, "method: expected POST, PUT, PATCH or DELETE");
    else if (op.path.empty() || op.path.front() != '/')
      op.problem = detail::op_problem(error_code::invalid_path, i, "path: expected a path starting with '/'");
    else if (op.method == "POST" && (!op.bulk_id || op.bulk_id->empty()))
      op.problem = detail::op_problem(error_code::invalid_syntax, i, "bulkId: a POST operation needs a bulkId");
    else if ((op.method == "POST" || op.method == "PUT" || op.method == "PATCH") && !op.data.is_object())
      op.problem = detail::op_problem(error_code::invalid_syntax, i, "data: expected a JSON object");
    else if (op.bulk_id && !op.bulk_id->empty() && !seen.emplace(*op.bulk_id, i).second)
      op.problem = detail::op_problem(error_code::invalid_value, i,
                                      "bulkId: '" + *op.bulk_id + "' is already used by another operation");
    if (!op.problem) {
      detail::collect_path_references(op.path, op.references);
      detail::collect_references(op.data, op.references);
    }
    out.operations.push_back(std::move(op));
  }
  return out;
}

/// The order to run the operations in, and the operations that cannot run.
struct bulk_plan {
  /// Indexes into bulk_request::operations, dependencies first.
  std::vector<std::size_t> order{};
  /// Operations that fail before anything runs (cycle, unknown bulkId).
  std::vector<std::pair<std::size_t, error>> rejected{};
};

/// Orders the operations (see the top of this header). Operations with a
/// `problem` are placed in request order and fail when reached.
inline bulk_plan plan_bulk(const bulk_request& req) {
  const std::size_t n = req.operations.size();
  std::unordered_map<std::string, std::size_t> declared;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& op = req.operations[i];
    if (!op.problem && op.bulk_id && !op.bulk_id->empty()) declared.emplace(*op.bulk_id, i);
  }
  // deps[i]: operations i must wait for.
  std::vector<std::vector<std::size_t>> deps(n);
  std::vector<std::optional<error>> rejected(n);
  for (std::size_t i = 0; i < n; ++i) {
    for (const auto& ref : req.operations[i].references) {
      auto it = declared.find(ref);
      if (it == declared.end()) {
        rejected[i] = detail::op_problem(error_code::invalid_value, i,
                                         "bulkId '" + ref + "' is not declared by any operation of this request");
        break;
      }
      if (it->second == i) {
        rejected[i] = error(409, error_code::invalid_value,
                            "Operations[" + std::to_string(i) + "]: the operation refers to its own bulkId '" + ref +
                                "' (circular reference)");
        break;
      }
      deps[i].push_back(it->second);
    }
  }
  // Kahn's algorithm, always taking the lowest ready index (stable).
  std::vector<std::size_t> waiting(n, 0);
  std::vector<std::vector<std::size_t>> dependents(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (rejected[i]) continue;
    for (std::size_t d : deps[i]) {
      ++waiting[i];
      dependents[d].push_back(i);
    }
  }
  std::vector<bool> done(n, false);
  bulk_plan plan;
  plan.order.reserve(n);
  // Always the lowest ready index: request order wherever dependencies allow.
  std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
  for (std::size_t i = 0; i < n; ++i)
    if (rejected[i] || waiting[i] == 0) ready.push(i);
  while (!ready.empty()) {
    const std::size_t i = ready.top();
    ready.pop();
    done[i] = true;
    plan.order.push_back(i);
    for (std::size_t d : dependents[i])
      if (--waiting[d] == 0) ready.push(d);
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (done[i]) continue;
    // On a cycle or waiting for one: report it and run it last (it fails).
    const bool on_cycle = [&] {
      // i is on a cycle when following unfinished dependencies from i returns to i.
      std::vector<bool> seen(n, false);
      std::vector<std::size_t> stack{i};
      bool first = true;
      while (!stack.empty()) {
        const std::size_t c = stack.back();
        stack.pop_back();
        if (c == i && !first) return true;
        first = false;
        if (seen[c]) continue;
        seen[c] = true;
        for (std::size_t d : deps[c])
          if (!done[d]) stack.push_back(d);
      }
      return false;
    }();
    if (on_cycle) {
      rejected[i] = error(409, error_code::invalid_value,
                          "Operations[" + std::to_string(i) +
                              "]: circular bulkId references; this service provider does not resolve cycles");
    } else {
      rejected[i] = detail::op_problem(error_code::invalid_value, i,
                                       "the operation depends on an operation with a circular bulkId reference");
    }
    plan.order.push_back(i);
  }
  for (std::size_t i = 0; i < n; ++i)
    if (rejected[i]) plan.rejected.emplace_back(i, std::move(*rejected[i]));
  return plan;
}

/// Replaces every "bulkId:<id>" string in `v` (and returns the first
/// unresolved reference, if any) using `resolved` (bulkId -> resource id).
inline std::optional<std::string> substitute_bulk_ids(json& v,
                                                      const std::unordered_map<std::string, std::string>& resolved) {
  std::optional<std::string> missing;
  std::vector<json*> stack{&v};
  while (!stack.empty()) {
    json* j = stack.back();
    stack.pop_back();
    if (j->is_string()) {
      const auto& s = j->get_ref<const std::string&>();
      if (s.size() > detail::bulk_id_prefix.size() &&
          std::string_view(s).substr(0, detail::bulk_id_prefix.size()) == detail::bulk_id_prefix) {
        auto it = resolved.find(s.substr(detail::bulk_id_prefix.size()));
        if (it != resolved.end()) *j = it->second;
        else if (!missing) missing = s.substr(detail::bulk_id_prefix.size());
      }
    } else if (j->is_array() || j->is_object()) {
      for (auto& c : *j) stack.push_back(&c);
    }
  }
  return missing;
}

/// substitute_bulk_ids for a path: "/Groups/bulkId:x" -> "/Groups/<id>".
inline std::optional<std::string> substitute_bulk_ids(std::string& path,
                                                      const std::unordered_map<std::string, std::string>& resolved) {
  std::string out;
  std::optional<std::string> missing;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    std::size_t slash = path.find('/', pos);
    if (slash == std::string::npos) slash = path.size();
    std::string seg = path.substr(pos, slash - pos);
    if (seg.size() > detail::bulk_id_prefix.size() &&
        std::string_view(seg).substr(0, detail::bulk_id_prefix.size()) == detail::bulk_id_prefix) {
      auto it = resolved.find(seg.substr(detail::bulk_id_prefix.size()));
      if (it != resolved.end()) seg = it->second;
      else if (!missing) missing = seg.substr(detail::bulk_id_prefix.size());
    }
    out += seg;
    if (slash < path.size()) out += '/';
    pos = slash + 1;
  }
  path = std::move(out);
  return missing;
}

}  // namespace service
SCIM_END_NAMESPACE
