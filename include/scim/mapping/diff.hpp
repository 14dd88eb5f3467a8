// scimpp: the PATCH operations that take a SCIM resource from one state of a
// mapped type to another, so a provisioning client updates only what changed.
//
//   auto ops = scim::mapping::diff(before, after);           // two states of T
//   auto ops = scim::mapping::diff(resource_json, after);    // the server's copy and T
//   if (!ops.empty()) send(PATCH, scim::mapping::patch_request(std::move(ops)));
//
// Each operation is an RFC 7644 section 3.5.2 object, in the order of the
// mapping's fields:
//   * a changed value:    {"op": "replace", "path": "name.givenName", "value": "Barb"}
//                         (value paths too: `emails[type eq "work"].value`);
//   * a value that became unassigned: {"op": "remove", "path": "name.givenName"};
//     for a value path, the whole element is removed
//     (`emails[type eq "work"]`) when nothing else of it stays mapped;
//   * a value path whose element does not exist yet: one `add` of the element
//     built from the filter terms (RFC 7644 would answer a `replace` through a
//     filter that matches nothing with 400 noTarget):
//     {"op": "add", "path": "emails", "value": [{"type": "work", "value": "...", "primary": true}]};
//   * diff(json, T) only: an element of a .primary() field that exists but is
//     not primary gets {"op": "replace", "path": "emails[type eq \"work\"].primary", "value": true}.
// Values compare as JSON (strings exactly, so a change of case is a change).
// Paths are the canonical spelling of the mapping's paths.
#pragma once

#include "scim/config.hpp"
#include "scim/detail/ascii.hpp"
#include "scim/error.hpp"
#include "scim/expected.hpp"
#include "scim/json.hpp"
#include "scim/mapping/mapping.hpp"
#include "scim/schema/urns.hpp"

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

SCIM_BEGIN_NAMESPACE
namespace mapping {

namespace detail {

/// What is known about the element a value path selects in the old state.
struct old_element {
  std::string group;
  bool exists = false;
  /// The element (diff from JSON), to see whether it holds unmapped data.
  const json* element = nullptr;
};

inline json make_op(std::string_view op, const std::string& path) {
  json o = json::object();
  o["op"] = std::string(op);
  o["path"] = path;
  return o;
}
inline json make_op(std::string_view op, const std::string& path, json value) {
  json o = make_op(op, path);
  o["value"] = std::move(value);
  return o;
}

/// The operations from old target values (per entry, per target) and the new
/// entry values.
inline std::vector<json> make_ops(const compiled_mapping& m, const std::vector<std::vector<json>>& old_values,
                                  const std::vector<json>& new_values, const std::vector<old_element>& elements) {
  std::vector<json> ops;
  std::vector<std::pair<std::string, std::size_t>> adds;  // group -> index of its add op
  std::vector<std::string> done;                          // groups removed or made primary
  auto element_of = [&](const std::string& group) -> const old_element* {
    for (const auto& e : elements)
      if (e.group == group) return &e;
    return nullptr;
  };
  auto is_done = [&](const std::string& key) {
    for (const auto& d : done)
      if (d == key) return true;
    return false;
  };
  // Whether some other written target of the same element keeps a value.
  auto others_keep = [&](std::size_t i, std::size_t k, const std::string& group) {
    for (std::size_t j = 0; j < m.entries.size(); ++j) {
      if (!m.entries[j].writes() || new_values[j].is_null()) continue;
      for (std::size_t l = 0; l < m.entries[j].targets.size(); ++l)
        if ((j != i || l != k) && m.entries[j].targets[l].group == group) return true;
    }
    return false;
  };
  // Whether the old element holds data besides its identity and the mapped
  // sub-attributes that become unassigned.
  auto holds_more = [&](const old_element& oe, const target& t) {
    if (oe.element == nullptr || !oe.element->is_object()) return false;
    json copy = *oe.element;
    for (std::size_t j = 0; j < m.entries.size(); ++j) {
      if (!m.entries[j].writes() || !new_values[j].is_null()) continue;
      for (const target& o : m.entries[j].targets)
        if (o.group == t.group) erase_ci(copy, o.sub);
    }
    return !only_identity(copy, t);
  };

  for (std::size_t i = 0; i < m.entries.size(); ++i) {
    const compiled_entry& ce = m.entries[i];
    if (!ce.writes()) continue;
    const json& nv = new_values[i];
    for (std::size_t k = 0; k < ce.targets.size(); ++k) {
      const target& t = ce.targets[k];
      const json& ov = old_values[i][k];
      if (!t.value_path) {
        if (ov == nv) continue;
        if (nv.is_null()) ops.push_back(make_op("remove", t.patch_text));
        else ops.push_back(make_op("replace", t.patch_text, nv));
        continue;
      }
      const old_element* oe = element_of(t.group);
      const bool exists = oe != nullptr && oe->exists;
      if (!nv.is_null()) {
        if (exists) {
          if (ov != nv) ops.push_back(make_op("replace", t.patch_text, nv));
          if (ce.primary && oe->element != nullptr && !is_primary(*oe->element) && !is_done("primary " + t.group)) {
            ops.push_back(make_op("replace", t.element_text + ".primary", json(true)));
            done.push_back("primary " + t.group);
          }
          continue;
        }
        json* element = nullptr;
        for (const auto& [group, index] : adds)
          if (group == t.group) element = &ops[index]["value"][0];
        if (element == nullptr) {
          json e = json::object();
          for (const auto& [name, literal] : t.match) e[name] = literal;
          ops.push_back(make_op("add", t.attr_text, json::array({std::move(e)})));
          adds.emplace_back(t.group, ops.size() - 1);
          element = &ops.back()["value"][0];
        }
        (*element)[t.sub] = nv;
        if (ce.primary) (*element)["primary"] = true;
        continue;
      }
      if (ov.is_null()) continue;
      if (others_keep(i, k, t.group) || (oe != nullptr && holds_more(*oe, t))) {
        ops.push_back(make_op("remove", t.patch_text));
      } else if (!is_done("remove " + t.group)) {
        ops.push_back(make_op("remove", t.element_text));
        done.push_back("remove " + t.group);
      }
    }
  }
  return ops;
}

inline void note_element(std::vector<old_element>& elements, const target& t, bool exists, const json* element) {
  for (auto& e : elements) {
    if (e.group != t.group) continue;
    e.exists = e.exists || exists;
    if (e.element == nullptr) e.element = element;
    return;
  }
  elements.push_back(old_element{t.group, exists, element});
}

}  // namespace detail

/// The operations that turn the resource mapped from `before` into the one
/// mapped from `after` (empty when nothing mapped changed). An element
/// selected by a value path is taken to exist when `before` gives any of its
/// mapped sub-attributes a value.
template <mapped_type T>
std::vector<json> diff(const T& before, const T& after) {
  const detail::compiled_mapping& m = detail::checked_mapping<T>();
  const std::vector<json> old_entry = detail::entry_values(before, m);
  const std::vector<json> new_entry = detail::entry_values(after, m);
  std::vector<std::vector<json>> old_values(m.entries.size());
  std::vector<detail::old_element> elements;
  for (std::size_t i = 0; i < m.entries.size(); ++i) {
    old_values[i].assign(m.entries[i].targets.size(), old_entry[i]);
    if (!m.entries[i].writes()) continue;
    for (const auto& t : m.entries[i].targets)
      if (t.value_path) detail::note_element(elements, t, !old_entry[i].is_null(), nullptr);
  }
  return detail::make_ops(m, old_values, new_entry, elements);
}

/// The operations that turn `before` (the service provider's copy of the
/// resource, e.g. a GET result) into the resource mapped from `after`; only
/// mapped attributes are compared. Errors: 400 invalidSyntax when `before` is
/// not an object, 400 invalidValue naming the path when an attribute on the
/// way to a mapped value has the wrong shape, 500 for an invalid mapping.
template <mapped_type T>
expected<std::vector<json>> diff(const json& before, const T& after) {
  if (!before.is_object())
    return fail(error_code::invalid_syntax,
                std::string("expected a SCIM resource (JSON object), got ") + detail::json_kind_name(before));
  const detail::compiled_mapping& m = detail::checked_mapping<T>();
  if (m.problem) return fail(*m.problem);
  const std::vector<json> new_entry = detail::entry_values(after, m);
  std::vector<std::vector<json>> old_values(m.entries.size());
  std::vector<detail::old_element> elements;
  for (std::size_t i = 0; i < m.entries.size(); ++i) {
    if (!m.entries[i].writes()) {
      old_values[i].assign(m.entries[i].targets.size(), json());
      continue;
    }
    for (const auto& t : m.entries[i].targets) {
      auto where = detail::locate(before, t);
      if (!where) return fail(std::move(where.error()));
      old_values[i].push_back(where->value != nullptr ? *where->value : json());
      if (t.value_path) detail::note_element(elements, t, where->element != nullptr, where->element);
    }
  }
  return detail::make_ops(m, old_values, new_entry, elements);
}

/// A PatchOp request body for `operations`.
inline json patch_request(std::vector<json> operations) {
  json body = json::object();
  body["schemas"] = json::array({std::string(urn::patch_op)});
  body["Operations"] = json(std::move(operations));
  return body;
}

}  // namespace mapping
SCIM_END_NAMESPACE
