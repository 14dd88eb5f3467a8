// scimpp: the PATCH applier (RFC 7644 section 3.5.2): applies a parsed
// PatchOp request to a resource atomically and reports a change set.
//
// Paths: no path (the value is an object of attributes; keys are attribute
// names or extension URNs whose object MERGES into the existing extension,
// and with apply_options::dotted_keys, Entra ID's sub-attribute paths
// "name.givenName" and URN-qualified paths; off under the strict dialect:
// invalidValue), `attr`,
// `attr.sub`, `attr[filter]`, `attr[filter].sub`, core- and
// extension-URN-qualified forms of each, and an extension URN alone (the
// whole extension object). Attribute names are case-insensitive; values are
// written with the schema's spelling.
//
// Semantics (each one is unit-tested both ways):
//   * add to a multi-valued attribute appends and never duplicates: a value
//     whose key (`value` sub-attribute) matches an existing element and whose
//     every other given sub-attribute is equal (under the attribute's
//     caseExact) is a successful no-op that reports nothing
//     (apply_options::idempotent_add);
//   * add/replace on a single-valued complex attribute merges: sub-attributes
//     not given stay (RFC 7644 sections 3.5.2.1 and 3.5.2.3); a sub-attribute
//     given as null is cleared;
//   * add on a single-valued simple attribute replaces it (3.5.2.1);
//   * replace of a multi-valued attribute without a filter replaces the whole
//     list; `[]` clears it;
//   * `primary: true` on one value sets `primary: false` on the others; more
//     than one primary in one operation is invalidValue;
//   * setting an extension attribute creates the extension object and adds
//     its URN to `schemas`; removing its last attribute removes the object
//     and the URN;
//   * remove without a filter removes the attribute (all values of a
//     multi-valued one); a value filter that matches nothing is 400
//     noTarget for remove, replace, and add (`attr[filter].sub` with no match;
//     apply_options::add_unmatched_filter_appends gives Entra ID's "append a
//     new element" instead); remove with no path is noTarget;
//   * an element left empty by removing its sub-attributes is removed, and a
//     multi-valued attribute left without elements is unassigned (3.5.2.2);
//   * readOnly attributes (id, meta, groups on User) are 400 mutability, except
//     that giving a readOnly attribute the value it already has is a no-op
//     (Okta sends the unchanged `id` in a path-less replace;
//     apply_options::unchanged_read_only, off under the strict dialect);
//     readOnly sub-attributes inside a complex value are ignored, as on
//     POST/PUT;
//   * immutable attributes and sub-attributes (Group members.*) can only be
//     set while unassigned (or to an equal value); removing them is
//     mutability. New elements of a multi-valued attribute whose
//     sub-attributes are immutable may always be added and removed;
//   * removing a required attribute (userName, Group displayName) is
//     mutability;
//   * `schemas` is maintained by the applier: ops with path `schemas` are
//     mutability, and a `schemas` key in a path-less value is ignored;
//   * values are type-checked against the schema (a string for a boolean,
//     "True" included; an object for a string; an array for a single-valued
//     attribute; unknown sub-attributes) -> invalidValue whose detail starts
//     with the attribute path; unknown attributes in paths (and path-less
//     value keys) -> invalidPath;
//   * `"value": null` (or a null attribute in a path-less value) on replace
//     clears the attribute, on add does nothing (RFC 7643 section 2.5);
//   * remove with a path to a multi-valued attribute and a value (list)
//     removes the elements whose given sub-attributes all match each listed
//     value (Entra ID; apply_options::remove_by_value_list); a listed value
//     that matches nothing is ignored;
//   * `attr.sub` without a filter on a multi-valued attribute is invalidPath
//     (use `attr[filter].sub`);
//   * replace/add with a filter and no sub-attribute merges the value's
//     sub-attributes into every matching element.
//
// Atomicity: every change writes an undo record (the previous value of a
// touched attribute, or of a touched element, or "appended"); when an
// operation fails, the records are replayed backwards and the resource is
// byte-for-byte what it was. No copy of the whole resource is made. On
// success, removed elements move from the undo records into the change set
// (no copy); added elements are copied into it.
//
// Cost: a membership change on an n-member group costs O(1) expected (index
// probe, append, tombstone) once the document's index exists; see
// document.hpp. Without an index a lookup is one scan that compares element
// keys only; the index is built after two scans' worth of work, or at the
// first lookup when the request itself will make three or more on the same
// attribute. `members[value eq "x"]` needs no filter compilation. The json&
// overload wraps the resource in a temporary document (no copy); a document
// also keeps the applier's buffers and the resolved core schema between
// requests. The request&& overloads consume the request: values already in
// canonical form (`{"value": id, "display": name}`) are moved into the
// resource instead of rebuilt.
#pragma once

#include "scim/config.hpp"
#include "scim/date_time.hpp"
#include "scim/detail/ascii.hpp"
#include "scim/error.hpp"
#include "scim/expected.hpp"
#include "scim/filter/ast.hpp"
#include "scim/filter/evaluator.hpp"
#include "scim/json.hpp"
#include "scim/patch/change_set.hpp"
#include "scim/patch/document.hpp"
#include "scim/patch/operation.hpp"
#include "scim/schema/attribute.hpp"
#include "scim/schema/core_schemas.hpp"
#include "scim/schema/registry.hpp"
#include "scim/schema/resource_type.hpp"
#include "scim/schema/validate.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

SCIM_BEGIN_NAMESPACE
namespace patch {

/// Options of the applier.
struct apply_options {
  /// Maximum number of values in one operation's value array (invalidValue above).
  std::size_t max_values_per_operation = 100000;
  /// Re-adding an existing value of a multi-valued attribute is a no-op.
  bool idempotent_add = true;
  /// `remove` with a path to a multi-valued attribute and a value list
  /// removes the listed values (otherwise such an operation is invalidValue).
  bool remove_by_value_list = true;
  /// Entra ID (aadOptscim062020): keys of a path-less add/replace value may
  /// be attribute paths instead of attribute names: `name.givenName`,
  /// `<extension URN>:attr[.sub]`, `<core URN>:attr[.sub]`, and `attr.sub`
  /// inside an extension object. Off (strict), such a key is invalidValue.
  bool dotted_keys = true;
  /// Okta: giving a readOnly attribute the value it already has (the
  /// group's own `id` in a path-less replace), or null when it is
  /// unassigned, is a successful no-op. Off (strict), every write to a
  /// readOnly attribute is mutability. A different value is always mutability.
  bool unchanged_read_only = true;
  /// Entra ID: `add attr[sub eq "x"].other` with no matching element appends
  /// `{sub: "x", other: value}` instead of failing with noTarget (the filter
  /// must be `eq` comparisons joined by `and`).
  bool add_unmatched_filter_appends = false;
  /// Fill change_set::values (elements added/removed).
  bool track_values = true;
  /// Called once after the request's operations applied, before the request
  /// commits, with the resource as it now is and the canonical names of the
  /// top-level attributes changed (change_set::attributes spelling). An error
  /// rolls the whole request back and is returned; returned operations are
  /// applied as part of the same atomic request (attributes derived from the
  /// changed ones, e.g. a displayName computed from name); they are the
  /// service provider's own, so they may set readOnly attributes. Multi-valued
  /// attributes in the view may hold placeholders for values removed by the
  /// request; read single-valued and complex attributes.
  std::function<expected<std::vector<operation>>(const json& resource, const std::vector<std::string>& changed)>
      before_commit{};
};

namespace detail {

namespace val = scim::detail::validation;
using scim::detail::iequals;

inline bool assigned(const json* v) { return v != nullptr && !val::is_unassigned(v); }

inline error invalid_value_error(std::string d) { return error(error_code::invalid_value, std::move(d)); }
inline error invalid_path_error(std::string d) { return error(error_code::invalid_path, std::move(d)); }
inline error mutability_error(std::string d) { return error(error_code::mutability, std::move(d)); }
inline error no_target_error(std::string d) { return error(error_code::no_target, std::move(d)); }

using opt_error = std::optional<error>;

/// Finds a member case-insensitively (exact spelling first); map iterator.
inline json::object_t::iterator find_ci(json::object_t& map, std::string_view key) {
  auto it = find_exact(map, key);
  if (it != map.end()) return it;
  for (auto m = map.begin(); m != map.end(); ++m)
    if (iequals(m->first, key)) return m;
  return map.end();
}
inline const json* find_ci(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  const auto& map = obj.get_ref<const json::object_t&>();
  auto it = find_exact(map, key);
  if (it != map.end()) return &it->second;
  for (const auto& [k, v] : map)
    if (iequals(k, key)) return &v;
  return nullptr;
}

/// Sets obj[name] = v, dropping a differently-spelled key for the same name.
inline void put_canonical(json::object_t& obj, const std::string& name, json v) {
  auto it = obj.find(name);
  if (it == obj.end()) {
    for (auto m = obj.begin(); m != obj.end(); ++m)
      if (iequals(m->first, name)) {
        obj.erase(m);
        break;
      }
    obj.emplace(name, std::move(v));
  } else {
    it->second = std::move(v);
  }
}
inline void erase_ci(json::object_t& obj, std::string_view name) {
  for (auto m = obj.begin(); m != obj.end();) {
    if (iequals(m->first, name)) m = obj.erase(m);
    else ++m;
  }
}

// ---- values -----------------------------------------------------------------

/// An attribute path for error messages, built only when an error occurs.
struct path_chain {
  const path_chain* parent = nullptr;
  std::string_view name;

  std::string str() const {
    std::string s = parent != nullptr ? parent->str() + "." : std::string();
    s.append(name);
    return s;
  }
};

inline opt_error canon_value(const attribute& a, const json& v, const path_chain& path, bool keep_nulls,
                             std::size_t depth, json& out);

/// Canonical form of one (non-array) value of `a`: type-checked; complex
/// values get the schema's sub-attribute spelling, lose readOnly
/// sub-attributes (ignored, as on input) and keep null sub-attributes only
/// when `keep_nulls` (merge: clear that sub-attribute).
inline opt_error canon_single(const attribute& a, const json& v, const path_chain& path, bool keep_nulls,
                              std::size_t depth, json& out) {
  auto wrong = [&](std::string_view expected_what) {
    return invalid_value_error(path.str() + ": expected " + std::string(expected_what) + ", got " +
                               std::string(type_name(v)));
  };
  switch (a.type) {
    case attribute_type::string:
    case attribute_type::reference: {
      if (!v.is_string()) return wrong(a.type == attribute_type::string ? "a string" : "a reference (string)");
      const auto& s = v.get_ref<const std::string&>();
      if (a.enforce_canonical_values && !a.canonical_values.empty()) {
        for (const auto& cv : a.canonical_values) {
          if (a.case_exact ? cv == s : iequals(cv, s)) {
            out = cv;
            return std::nullopt;
          }
        }
        return invalid_value_error(path.str() + ": '" + s + "' is not one of the canonical values");
      }
      out = v;
      return std::nullopt;
    }
    case attribute_type::boolean:
      if (!v.is_boolean()) return wrong("a boolean (true or false)");
      out = v;
      return std::nullopt;
    case attribute_type::integer:
      if (!v.is_number_integer()) return wrong("an integer");
      out = v;
      return std::nullopt;
    case attribute_type::decimal:
      if (!v.is_number()) return wrong("a decimal number");
      out = v;
      return std::nullopt;
    case attribute_type::date_time:
      if (!v.is_string() || !parse_date_time(v.get_ref<const std::string&>()))
        return wrong("a dateTime (xsd:dateTime string)");
      out = v;
      return std::nullopt;
    case attribute_type::binary:
      if (!v.is_string() || !val::is_base64(v.get_ref<const std::string&>()))
        return wrong("binary data (a base64 string)");
      out = v;
      return std::nullopt;
    case attribute_type::complex:
      break;
  }
  if (!v.is_object()) return wrong("a complex value (JSON object)");
  if (depth >= val::max_schema_depth) return invalid_value_error(path.str() + ": complex values nested too deeply");
  json obj = json::object();
  auto& map = obj.get_ref<json::object_t&>();
  for (const auto& [k, sv] : v.get_ref<const json::object_t&>()) {
    const attribute* sub = a.find_sub_attribute(k);
    if (sub == nullptr)
      return invalid_value_error(path.str() + "." + k + ": '" + a.name + "' has no sub-attribute '" + k + "'");
    if (map.find(sub->name) != map.end())
      return invalid_value_error(path.str() + "." + sub->name + ": sub-attribute given more than once");
    if (sv.is_null()) {
      if (keep_nulls && sub->mutability != attribute_mutability::read_only) map.emplace(sub->name, nullptr);
      continue;
    }
    if (sub->mutability == attribute_mutability::read_only) continue;
    json one;
    if (auto err = canon_value(*sub, sv, path_chain{&path, sub->name}, false, depth + 1, one)) return err;
    if (one.is_null()) continue;
    map.emplace(sub->name, std::move(one));
  }
  out = std::move(obj);
  return std::nullopt;
}

/// canon_single, or for a multi-valued (sub-)attribute an array of them.
inline opt_error canon_value(const attribute& a, const json& v, const path_chain& path, bool keep_nulls,
                             std::size_t depth, json& out) {
  out = nullptr;
  if (v.is_null()) return std::nullopt;
  if (a.multi_valued) {
    if (!v.is_array()) return invalid_value_error(path.str() + ": expected an array (multi-valued attribute), got " +
                                                  std::string(type_name(v)));
    json arr = json::array();
    for (const auto& e : v) {
      if (e.is_null()) continue;
      if (e.is_array()) return invalid_value_error(path.str() + ": expected single values inside the array");
      json one;
      if (auto err = canon_single(a, e, path, keep_nulls, depth, one)) return err;
      arr.push_back(std::move(one));
    }
    if (!arr.empty()) out = std::move(arr);
    return std::nullopt;
  }
  if (v.is_array())
    return invalid_value_error(path.str() + ": expected a single value, not an array (single-valued attribute)");
  return canon_single(a, v, path, keep_nulls, depth, out);
}

/// Whether canon_single(a, v, ..., keep_nulls = false, ...) would succeed and
/// return exactly `v`: then `v` can be moved instead of rebuilt. Conservative
/// (false sends the value through canon_single): simple values of types
/// canon_single copies unchanged, and complex values whose every member has
/// the schema's spelling, is not null, not readOnly and is such a simple
/// single value.
inline bool is_canonical_simple(const attribute& a, const json& v) {
  if (a.multi_valued) return false;
  switch (a.type) {
    case attribute_type::string:
    case attribute_type::reference:
      return v.is_string() && !(a.enforce_canonical_values && !a.canonical_values.empty());
    case attribute_type::boolean: return v.is_boolean();
    case attribute_type::integer: return v.is_number_integer();
    case attribute_type::decimal: return v.is_number();
    case attribute_type::date_time:
    case attribute_type::binary:
    case attribute_type::complex: return false;
  }
  return false;
}
inline bool is_canonical_single(const attribute& a, const json& v) {
  if (!a.is_complex()) return is_canonical_simple(a, v);
  if (!v.is_object()) return false;
  for (const auto& [k, sv] : v.get_ref<const json::object_t&>()) {
    const attribute* sub = a.find_sub_attribute(k);
    if (sub == nullptr || sub->name != k || sub->mutability == attribute_mutability::read_only ||
        !is_canonical_simple(*sub, sv))
      return false;
  }
  return true;
}

inline bool is_primary(const json& e) {
  const json* p = find_ci(e, "primary");
  return p != nullptr && p->is_boolean() && p->get<bool>();
}

// ---- value filters ----------------------------------------------------------

/// A value filter compiled against the filtered attribute; evaluates elements.
class element_matcher {
 public:
  std::vector<filter::detail::program_node> nodes;
  std::vector<filter::detail::leaf> leaves;
  std::uint32_t root = 0;
  /// Literal of a `value eq "..."` term that every match must satisfy
  /// (folded when `value` is not caseExact): lets the index answer.
  std::optional<std::string> probe;
  /// The filter is exactly `value eq "<probe>"`: the key comparison decides.
  bool probe_only = false;

  bool matches(const json& e) const { return probe_only || (e.is_object() && eval(root, e)); }

 private:
  bool eval(std::uint32_t id, const json& e) const {
    const auto& n = nodes[id];
    switch (n.kind) {
      case filter::node_kind::logical_and:
        for (auto c = n.first_child; c != filter::no_node; c = nodes[c].next_sibling)
          if (!eval(c, e)) return false;
        return true;
      case filter::node_kind::logical_or:
        for (auto c = n.first_child; c != filter::no_node; c = nodes[c].next_sibling)
          if (eval(c, e)) return true;
        return false;
      case filter::node_kind::logical_not: return !eval(n.first_child, e);
      case filter::node_kind::value_filter: return false;
      case filter::node_kind::present:
      case filter::node_kind::compare: break;
    }
    const auto& l = leaves[n.leaf_index];
    using filter::detail::leaf_kind;
    switch (l.kind) {
      case leaf_kind::never: return false;
      case leaf_kind::present:
        return filter::detail::visit_json(e, l.hops, l.hop_count,
                                          [](const json& v) { return filter::detail::json_non_empty(v); });
      case leaf_kind::compare:
        if (l.lit == filter::detail::literal_class::null) {
          const bool present = filter::detail::visit_json(
              e, l.hops, l.hop_count, [](const json& v) { return filter::detail::json_non_empty(v); });
          return l.op == filter::compare_op::eq ? !present : (l.op == filter::compare_op::ne && present);
        }
        return filter::detail::visit_json(e, l.hops, l.hop_count,
                                          [&](const json& v) { return filter::detail::compare_json_scalar(l, v); });
    }
    return false;
  }
};

inline expected<element_matcher> compile_matcher(const filter::filter& f, const attribute& attr,
                                                 const resource_type& rt, const schema_registry& reg) {
  element_matcher m;
  if (f.empty()) return fail(invalid_path_error("empty value filter"));
  // members[value eq "x"]: no compilation; element keys are compared with
  // the `value` sub-attribute's caseExact, which is this filter's meaning.
  if (const filter::node& n = f.root_node(); n.kind == filter::node_kind::compare &&
                                             n.op == filter::compare_op::eq &&
                                             n.type == filter::value_kind::string) {
    const attribute_path_view p = f.path(n);
    const attribute* v = attr.find_sub_attribute("value");
    if (!p.has_urn() && !p.has_sub_attribute() && iequals(p.name, "value") && v != nullptr &&
        (v->type == attribute_type::string || v->type == attribute_type::reference)) {
      m.probe = std::string(f.string_value(n));
      m.probe_only = true;
      return m;
    }
  }
  filter::predicate unused;
  const filter::compile_options copts{};
  filter::detail::compiler c{f, rt, reg, copts, nullptr, unused, m.nodes, m.leaves};
  auto root = c.compile_node(f.root(), &attr, nullptr);
  if (!root) {
    error e = std::move(root.error());
    if (e.status == 400) e.code = error_code::invalid_path;  // a bad filter inside a path is a bad path
    return fail(std::move(e));
  }
  m.root = *root;
  auto probe_of = [&](std::uint32_t id) {
    const auto& n = m.nodes[id];
    if (n.kind != filter::node_kind::compare) return false;
    const auto& l = m.leaves[n.leaf_index];
    if (l.kind != filter::detail::leaf_kind::compare || l.op != filter::compare_op::eq ||
        l.lit != filter::detail::literal_class::string || l.hop_count != 1 || l.type == attribute_type::date_time ||
        !iequals(l.hops[0].key, "value"))
      return false;
    m.probe = l.lit_text;
    return true;
  };
  if (!probe_of(m.root) && m.nodes[m.root].kind == filter::node_kind::logical_and) {
    for (auto ch = m.nodes[m.root].first_child; ch != filter::no_node; ch = m.nodes[ch].next_sibling)
      if (probe_of(ch)) break;
  }
  return m;
}

/// For add_unmatched_filter_appends: `a eq x and b eq y` -> {a: x, b: y}.
inline std::optional<json> element_from_eq_filter(const filter::filter& f, const attribute& attr) {
  json out = json::object();
  auto take = [&](const filter::node& n) {
    if (n.kind != filter::node_kind::compare || n.op != filter::compare_op::eq) return false;
    const attribute_path_view p = f.path(n);
    if (p.has_urn() || p.has_sub_attribute()) return false;
    const attribute* sub = attr.find_sub_attribute(p.name);
    if (sub == nullptr) return false;
    json v;
    switch (n.type) {
      case filter::value_kind::string: v = std::string(f.string_value(n)); break;
      case filter::value_kind::integer: v = n.integer; break;
      case filter::value_kind::decimal: v = n.decimal; break;
      case filter::value_kind::boolean: v = n.boolean; break;
      case filter::value_kind::null: return false;
    }
    out[sub->name] = std::move(v);
    return true;
  };
  if (f.empty()) return std::nullopt;
  const filter::node& root = f.root_node();
  if (root.kind == filter::node_kind::logical_and) {
    for (filter::node_id c : f.children(root))
      if (!take(f[c])) return std::nullopt;
  } else if (!take(root)) {
    return std::nullopt;
  }
  return out;
}

// ---- the applier --------------------------------------------------------------

/// What an operation addresses.
struct target {
  const schema* ext = nullptr;       ///< extension schema (nullptr: core or common attribute)
  const attribute* attr = nullptr;   ///< top-level attribute
  const attribute* sub = nullptr;    ///< sub-attribute, or nullptr
  bool common = false;               ///< id / externalId / meta / schemas
  bool keyed = false;                ///< multi-valued complex with a `value` sub-attribute
  std::string name;                  ///< change-set name: "attr" or "<ext URN>:attr"

  std::string path() const { return sub != nullptr ? name + "." + sub->name : name; }

  void set(const schema* extension, const attribute* a) {
    ext = extension;
    attr = a;
    keyed = a->multi_valued && a->is_complex() && a->find_sub_attribute("value") != nullptr;
    name = ext != nullptr ? ext->id + ":" + a->name : a->name;
  }
};

class applier {
 public:
  /// `movable`: the request's values may be moved from (the caller gave it
  /// up: apply(document&, request&&, ...)).
  applier(document& doc, const resource_type& rt, const schema_registry& reg, const apply_options& opts,
          bool movable = false)
      : movable_(movable),
        doc_(doc),
        res_(doc.res_),
        rt_(rt),
        reg_(reg),
        opts_(opts),
        counters_(doc.counters_),
        undo_(doc.scratch_.undo),
        locs_(doc.scratch_.locs),
        changed_(doc.scratch_.changed),
        deltas_(doc.scratch_.deltas),
        touched_(doc.scratch_.touched) {
    doc.scratch_.clear();
  }
  ~applier() { doc_.scratch_.clear(); }
  /// Set while before_commit's operations run: readOnly attributes may change.
  bool trusted_ = false;
  applier(const applier&) = delete;
  applier& operator=(const applier&) = delete;

  expected<change_set> run(const request& req) {
    if (!res_.is_object()) return fail(error::internal("the resource to patch is not a JSON object"));
    if (doc_.cached_registry_ == &reg_ && doc_.cached_type_ == &rt_ &&
        static_cast<const schema*>(doc_.cached_core_)->id == rt_.schema) {
      core_ = static_cast<const schema*>(doc_.cached_core_);
    } else {
      core_ = reg_.find_core_schema(rt_);
      if (core_ == nullptr)
        return fail(error::internal("resource type '" + rt_.name + "' uses schema '" + rt_.schema +
                                    "', which is not registered"));
      doc_.cached_registry_ = &reg_;
      doc_.cached_type_ = &rt_;
      doc_.cached_core_ = core_;
    }
    plan(req);
    for (std::size_t i = 0; i < req.operations.size(); ++i) {
      if (auto err = apply_operation(req.operations[i])) {
        rollback();
        error e = std::move(*err);
        e.detail = op_prefix(i) + " (" + std::string(to_string(req.operations[i].op)) +
                   (req.operations[i].path ? " " + req.operations[i].path_text : std::string()) + "): " + e.detail;
        return fail(std::move(e));
      }
    }
    if (opts_.before_commit) {
      std::vector<std::string> names;
      names.reserve(changed_.size());
      for (const auto& c : changed_) names.push_back(c.first);
      auto more = opts_.before_commit(static_cast<const json&>(res_), names);
      if (!more) {
        rollback();
        return fail(std::move(more.error()));
      }
      trusted_ = true;
      for (std::size_t i = 0; i < more->size(); ++i) {
        if (auto err = apply_operation((*more)[i])) {
          trusted_ = false;
          rollback();
          error e = std::move(*err);
          e.detail = "derived operation " + std::to_string(i) + " (" + std::string(to_string((*more)[i].op)) +
                     ((*more)[i].path ? " " + (*more)[i].path_text : std::string()) + "): " + e.detail;
          return fail(std::move(e));
        }
      }
      trusted_ = false;
    }
    // Amortised compaction: holes never exceed half of an array between requests.
    for (detail::mv_state* s : touched_) {
      if (!s->holes_known || s->tombstones == 0) continue;
      json* arr = doc_.find_array(*s);
      if (arr == nullptr || s->tombstones * 2 > arr->size()) doc_.compact(*s);
    }
    return finish();
  }

 private:
  // ---- bookkeeping ------------------------------------------------------------

  /// Counts, per attribute named by a path, the value lookups the request
  /// will make (value filters, added values, removed value lists), so that an
  /// index pays off from the first lookup when there are several.
  void plan(const request& req) {
    planned_.clear();
    if (req.operations.size() < 2 && (req.operations.empty() || !req.operations[0].value.is_array() ||
                                      req.operations[0].value.size() < 2))
      return;
    for (const auto& op : req.operations) {
      if (!op.path) continue;
      std::size_t n = op.path->has_value_filter() ? 1 : 0;
      if (!op.path->has_value_filter() && op.op != op_type::replace)
        n = op.value.is_array() ? op.value.size() : (op.value.is_null() ? 0 : 1);
      if (n == 0) continue;
      const std::string& name = op.path->attribute.name;
      bool found = false;
      for (auto& p : planned_) {
        if (iequals(p.first, name)) {
          p.second += n;
          found = true;
          break;
        }
      }
      if (!found) planned_.emplace_back(name, n);
    }
  }
  std::size_t planned_lookups(std::string_view name) const {
    for (const auto& p : planned_)
      if (iequals(p.first, name)) return p.second;
    return 0;
  }

  std::uint32_t intern(const std::string& container, const std::string& key) {
    for (std::size_t i = locs_.size(); i-- > 0;)
      if (locs_[i].container == container && locs_[i].key == key) return static_cast<std::uint32_t>(i);
    locs_.push_back({container, key});
    return static_cast<std::uint32_t>(locs_.size() - 1);
  }

  json* container_of(const std::string& container) {
    if (container.empty()) return &res_;
    auto& map = res_.get_ref<json::object_t&>();
    auto it = map.find(container);
    return it != map.end() && it->second.is_object() ? &it->second : nullptr;
  }

  json* array_at(std::uint32_t loc) {
    json* c = container_of(locs_[loc].container);
    if (c == nullptr) return nullptr;
    auto& map = c->get_ref<json::object_t&>();
    auto it = map.find(locs_[loc].key);
    return it != map.end() && it->second.is_array() ? &it->second : nullptr;
  }

  /// Writes (or, with nullopt, erases) container[key], recording the old value.
  void set_member(const std::string& container, const std::string& key, std::optional<json> v) {
    json* c = container_of(container);
    if (c == nullptr) return;
    auto& map = c->get_ref<json::object_t&>();
    undo_entry u;
    u.k = undo_entry::kind::member;
    u.loc = intern(container, key);
    auto it = map.find(key);
    u.had = it != map.end();
    if (u.had) u.old = std::move(it->second);
    if (v) {
      if (u.had) it->second = std::move(*v);
      else map.emplace(key, std::move(*v));
    } else if (u.had) {
      map.erase(it);
    }
    undo_.push_back(std::move(u));
    // Whatever bookkeeping referred to the replaced value is void.
    for (auto& s : doc_.states_) {
      const bool hit = container.empty()
                           ? (s->container.empty() ? iequals(s->name, key) : iequals(s->container, key))
                           : (iequals(s->container, container) && iequals(s->name, key));
      if (hit) {
        s->reset_index();
        s->tombstones = 0;
        s->holes_known = true;
      }
    }
  }

  void rollback() {
    for (std::size_t i = undo_.size(); i-- > 0;) {
      undo_entry& u = undo_[i];
      const location& l = locs_[u.loc];
      switch (u.k) {
        case undo_entry::kind::member: {
          json* c = container_of(l.container);
          if (c == nullptr) break;
          auto& map = c->get_ref<json::object_t&>();
          if (u.had) map[l.key] = std::move(u.old);
          else map.erase(l.key);
          break;
        }
        case undo_entry::kind::append: {
          json* arr = array_at(u.loc);
          if (arr != nullptr && !arr->empty()) arr->get_ref<json::array_t&>().pop_back();
          break;
        }
        case undo_entry::kind::element: {
          json* arr = array_at(u.loc);
          if (arr != nullptr && u.pos < arr->size()) (*arr)[u.pos] = std::move(u.old);
          break;
        }
      }
    }
    undo_.clear();
    // Holes may be back: recount them lazily; indexes are rebuilt on demand.
    for (auto& s : doc_.states_) {
      s->reset_index();
      s->holes_known = false;
    }
  }

  void note(const target& t, bool non_delta = true) { note_name(t.name, non_delta || !opts_.track_values); }
  void note_name(const std::string& name, bool non_delta) {
    for (auto& c : changed_) {
      if (iequals(c.first, name)) {
        c.second = c.second || non_delta;
        return;
      }
    }
    changed_.emplace_back(name, non_delta);
  }
  delta_state* delta_for(const target& t) {
    if (!opts_.track_values || !t.keyed) return nullptr;
    for (auto& d : deltas_)
      if (d.attribute == t.name) return &d;
    const attribute* v = t.attr->find_sub_attribute("value");
    deltas_.push_back(delta_state{t.name, {}, {}, v->name, !v->case_exact});
    return &deltas_.back();
  }

  /// Index of the last undo record.
  std::uint32_t last_undo() const { return static_cast<std::uint32_t>(undo_.size() - 1); }

  change_set finish() {
    change_set cs;
    if (!deltas_.empty()) cs.values.reserve(deltas_.size());
    for (auto& ds : deltas_) {
      value_delta d{std::move(ds.attribute), std::move(ds.added), {}};
      // Materialise the removed elements from the undo log (no longer needed).
      d.removed.reserve(ds.removed.size());
      for (const auto& r : ds.removed) {
        json& old = undo_[r.undo].old;
        if (r.pos == removed_ref::whole_entry) d.removed.push_back(std::move(old));
        else if (old.is_array() && r.pos < old.size()) d.removed.push_back(std::move(old.get_ref<json::array_t&>()[r.pos]));
      }
      if (!d.added.empty() && !d.removed.empty()) cancel_out(d, ds.value_sub, ds.fold);
      if (!d.empty()) cs.values.push_back(std::move(d));
    }
    if (!changed_.empty()) cs.attributes.reserve(changed_.size());
    for (auto& c : changed_) {
      if (!c.second && cs.delta(c.first) == nullptr) continue;  // only deltas, and they cancelled out
      cs.attributes.push_back(std::move(c.first));
    }
    return cs;
  }

  /// Elements added and removed again (or removed and re-added unchanged)
  /// cancel out: candidates are found by key, then compared as JSON.
  static void cancel_out(value_delta& d, std::string_view value_sub, bool fold) {
    detail::value_index by_key;
    by_key.reserve(d.removed.size());
    std::vector<std::uint32_t> unkeyed;
    for (std::size_t i = 0; i < d.removed.size(); ++i) {
      if (auto k = detail::element_key(value_sub, d.removed[i]))
        by_key.insert(detail::key_hash(*k, fold), static_cast<std::uint32_t>(i));
      else
        unkeyed.push_back(static_cast<std::uint32_t>(i));
    }
    std::vector<bool> dropped(d.removed.size(), false);
    std::vector<json> added;
    for (auto& x : d.added) {
      bool matched = false;
      auto try_drop = [&](std::uint32_t i) {
        if (dropped[i] || d.removed[i] != x) return false;
        dropped[i] = true;
        matched = true;
        return true;
      };
      if (auto k = detail::element_key(value_sub, x)) {
        by_key.find(detail::key_hash(*k, fold), try_drop);
      } else {
        for (std::uint32_t i : unkeyed)
          if (try_drop(i)) break;
      }
      if (!matched) added.push_back(std::move(x));
    }
    std::vector<json> kept;
    for (std::size_t i = 0; i < d.removed.size(); ++i)
      if (!dropped[i]) kept.push_back(std::move(d.removed[i]));
    d.added = std::move(added);
    d.removed = std::move(kept);
  }

  // ---- multi-valued bookkeeping ---------------------------------------------------

  detail::mv_state& state_for(const target& t, json& arr) {
    const std::string container = t.ext != nullptr ? t.ext->id : std::string();
    detail::mv_state* found = nullptr;
    for (auto& s : doc_.states_)
      if (iequals(s->container, container) && iequals(s->name, t.attr->name)) found = s.get();
    if (found == nullptr) {
      auto s = std::make_unique<detail::mv_state>();
      s->container = container;
      s->name = t.attr->name;
      const attribute* value_sub = t.attr->is_complex() ? t.attr->find_sub_attribute("value") : nullptr;
      if (value_sub != nullptr) s->value_sub = value_sub->name;
      s->fold = value_sub != nullptr ? !value_sub->case_exact : !t.attr->case_exact;
      s->reset_index();
      doc_.states_.push_back(std::move(s));
      found = doc_.states_.back().get();
    }
    if (!found->holes_known) {
      std::size_t holes = 0;
      for (const auto& e : arr.get_ref<const json::array_t&>()) {
        visit();
        if (detail::is_hole(e)) ++holes;
      }
      found->tombstones = holes;
      found->holes_known = true;
    }
    if (std::find(touched_.begin(), touched_.end(), found) == touched_.end()) touched_.push_back(found);
    return *found;
  }

  void visit() {
    ++counters_.element_visits;
    ++counters_.work;
  }
  void index_op() {
    ++counters_.index_operations;
    ++counters_.work;
  }

  /// Whether to answer lookups from the index: it exists, or scanning has
  /// already cost about as much as building it (two scans).
  bool use_index(detail::mv_state& s, const json& arr) {
    if (s.built) return true;
    if (s.scan_work < 2 * arr.size() && planned_lookups(s.name) < 3) return false;
    ++counters_.index_builds;
    const auto& v = arr.get_ref<const json::array_t&>();
    s.index.reserve(v.size() - s.tombstones);
    for (std::size_t i = 0; i < v.size(); ++i) {
      visit();
      if (detail::is_hole(v[i])) continue;
      if (auto key = detail::element_key(s, v[i])) {
        s.index.insert(detail::key_hash(*key, s.fold), static_cast<std::uint32_t>(i));
        index_op();
      }
    }
    s.built = true;
    return true;
  }

  void index_insert(detail::mv_state& s, const json& e, std::size_t pos) {
    if (!s.built) return;
    if (auto key = detail::element_key(s, e)) {
      s.index.insert(detail::key_hash(*key, s.fold), static_cast<std::uint32_t>(pos));
      index_op();
    }
  }

  void index_erase(detail::mv_state& s, const json& e, std::size_t pos) {
    if (!s.built) return;
    if (auto key = detail::element_key(s, e)) {
      s.index.erase(detail::key_hash(*key, s.fold), static_cast<std::uint32_t>(pos));
      index_op();
    }
  }

  /// Calls f(pos) for each live element whose key equals `key`, until f
  /// returns true: through the index when it pays, else by a scan that
  /// compares keys first.
  template <class F>
  void for_each_keyed(detail::mv_state& s, const json& arr, std::string_view key, F&& f) {
    const auto& v = arr.get_ref<const json::array_t&>();
    if (use_index(s, arr)) {
      index_op();
      s.index.find(detail::key_hash(key, s.fold), [&](std::uint32_t pos) {
        visit();
        const auto ek = detail::element_key(s, v[pos]);
        return ek && detail::key_equal(*ek, key, s.fold) && f(static_cast<std::size_t>(pos));
      });
      return;
    }
    s.scan_work += v.size();
    for (std::size_t i = 0; i < v.size(); ++i) {
      visit();
      const auto ek = detail::element_key(s, v[i]);  // nullopt for holes
      if (ek && detail::key_equal(*ek, key, s.fold) && f(i)) return;
    }
  }

  void append_element(const target& t, detail::mv_state& s, json& arr, std::uint32_t loc, json e) {
    const std::size_t pos = arr.size();
    if (delta_state* d = delta_for(t)) d->added.push_back(e);
    undo_entry u;
    u.k = undo_entry::kind::append;
    u.loc = loc;
    undo_.push_back(std::move(u));
    arr.get_ref<json::array_t&>().push_back(std::move(e));
    index_insert(s, arr.get_ref<json::array_t&>().back(), pos);
    note(t, !t.keyed);
  }

  void tombstone(const target& t, detail::mv_state& s, json& arr, std::uint32_t loc, std::size_t pos) {
    json& slot = arr.get_ref<json::array_t&>()[pos];
    index_erase(s, slot, pos);
    undo_entry u;
    u.k = undo_entry::kind::element;
    u.loc = loc;
    u.pos = pos;
    u.old = std::move(slot);
    undo_.push_back(std::move(u));
    if (delta_state* d = delta_for(t)) d->removed.push_back(removed_ref{last_undo(), removed_ref::whole_entry});
    slot = json(json::value_t::discarded);
    ++s.tombstones;
    note(t, !t.keyed);
  }

  void replace_element(const target& t, detail::mv_state& s, json& arr, std::uint32_t loc, std::size_t pos,
                       json ne) {
    json& slot = arr.get_ref<json::array_t&>()[pos];
    index_erase(s, slot, pos);
    undo_entry u;
    u.k = undo_entry::kind::element;
    u.loc = loc;
    u.pos = pos;
    u.old = std::move(slot);
    undo_.push_back(std::move(u));
    if (delta_state* d = delta_for(t)) {
      d->removed.push_back(removed_ref{last_undo(), removed_ref::whole_entry});
      d->added.push_back(ne);
    }
    slot = std::move(ne);
    index_insert(s, slot, pos);
    note(t, !t.keyed);
  }

  static std::size_t live(const detail::mv_state& s, const json& arr) { return arr.size() - s.tombstones; }

  /// Positions (ascending) of the live elements matching a value filter.
  std::vector<std::size_t> find_matches(detail::mv_state& s, json& arr, const element_matcher& m) {
    std::vector<std::size_t> out;
    const auto& v = arr.get_ref<const json::array_t&>();
    if (m.probe && !s.value_sub.empty()) {
      for_each_keyed(s, arr, *m.probe, [&](std::size_t pos) {
        if (m.matches(v[pos])) out.push_back(pos);
        return false;
      });
      std::sort(out.begin(), out.end());
      return out;
    }
    s.scan_work += v.size();
    for (std::size_t i = 0; i < v.size(); ++i) {
      visit();
      if (!detail::is_hole(v[i]) && m.matches(v[i])) out.push_back(i);
    }
    return out;
  }

  /// Whether `e` (canonical) equals an existing element on every
  /// sub-attribute it gives (same key, other given sub-attributes equal).
  static bool covers(const attribute& a, const json& existing, const json& e) {
    if (!a.is_complex()) return val::single_values_equal(a, existing, e, 1);
    if (!existing.is_object() || !e.is_object()) return false;
    for (const auto& [k, v] : e.get_ref<const json::object_t&>()) {
      const attribute* sub = a.find_sub_attribute(k);
      const json* ev = find_ci(existing, k);
      if (sub == nullptr || ev == nullptr || !val::values_equal(*sub, *ev, v, 1)) return false;
    }
    return true;
  }

  /// Positions of live elements `e` covers (stop_at_first: just one).
  std::vector<std::size_t> find_covered(const target& t, detail::mv_state& s, json& arr, const json& e,
                                        bool stop_at_first) {
    std::vector<std::size_t> out;
    const auto& v = arr.get_ref<const json::array_t&>();
    if (const auto key = detail::element_key(s, e)) {
      for_each_keyed(s, arr, *key, [&](std::size_t pos) {
        if (!covers(*t.attr, v[pos], e)) return false;
        out.push_back(pos);
        return stop_at_first;
      });
      std::sort(out.begin(), out.end());
      return out;
    }
    s.scan_work += v.size();
    for (std::size_t i = 0; i < v.size(); ++i) {
      visit();
      if (!detail::is_hole(v[i]) && covers(*t.attr, v[i], e)) {
        out.push_back(i);
        if (stop_at_first) return out;
      }
    }
    return out;
  }

  /// Sets primary=false on every other element whose primary is true.
  void clear_primaries(const target& t, detail::mv_state& s, json& arr, std::uint32_t loc, std::size_t keep) {
    const attribute* p = t.attr->find_sub_attribute("primary");
    if (p == nullptr || p->type != attribute_type::boolean) return;
    const std::size_t n = arr.size();
    for (std::size_t i = 0; i < n; ++i) {
      visit();
      if (i == keep) continue;
      const json& e = arr.get_ref<const json::array_t&>()[i];
      if (detail::is_hole(e) || !is_primary(e)) continue;
      json ne = e;
      put_canonical(ne.get_ref<json::object_t&>(), p->name, false);
      replace_element(t, s, arr, loc, i, std::move(ne));
    }
  }

  // ---- resource access ----------------------------------------------------------

  /// The stored extension object's key (case-insensitive match), or nullptr.
  json* find_extension(const schema* ext, std::string* key) {
    auto& map = res_.get_ref<json::object_t&>();
    auto it = find_ci(map, ext->id);
    if (it == map.end()) return nullptr;
    if (key != nullptr) *key = it->first;
    return &it->second;
  }

  /// The current value of `t.attr`, or nullptr; fills the stored spelling.
  json* current(const target& t, std::string* container_key = nullptr, std::string* key = nullptr) {
    json* c = &res_;
    std::string ck;
    if (t.ext != nullptr) {
      c = find_extension(t.ext, &ck);
      if (c == nullptr || !c->is_object()) return nullptr;
    }
    auto& map = c->get_ref<json::object_t&>();
    auto it = find_ci(map, t.attr->name);
    if (it == map.end()) return nullptr;
    if (container_key != nullptr) *container_key = ck;
    if (key != nullptr) *key = it->first;
    return &it->second;
  }

  json* schemas_member(std::string* key) {
    auto& map = res_.get_ref<json::object_t&>();
    auto it = find_ci(map, "schemas");
    if (it == map.end()) return nullptr;
    *key = it->first;
    return &it->second;
  }

  void ensure_urn(const std::string& urn) {
    std::string key = "schemas";
    json* s = schemas_member(&key);
    json updated;
    if (s != nullptr && s->is_array()) {
      for (const auto& u : *s)
        if (u.is_string() && iequals(u.get_ref<const std::string&>(), urn)) return;
      updated = *s;
    } else {
      updated = json::array({core_->id});
    }
    updated.push_back(urn);
    set_member(std::string(), key, std::move(updated));
    note_name("schemas", true);
  }

  void remove_urn(const std::string& urn) {
    std::string key;
    json* s = schemas_member(&key);
    if (s == nullptr || !s->is_array()) return;
    json updated = json::array();
    bool changed = false;
    for (const auto& u : *s) {
      if (u.is_string() && iequals(u.get_ref<const std::string&>(), urn)) changed = true;
      else updated.push_back(u);
    }
    if (!changed) return;
    set_member(std::string(), key, std::move(updated));
    note_name("schemas", true);
  }

  /// The extension object for writing (created, and its URN listed, if needed).
  std::string ensure_extension(const schema* ext) {
    std::string key;
    json* obj = find_extension(ext, &key);
    if (obj == nullptr) {
      key = ext->id;
      set_member(std::string(), key, json::object());
    } else if (!obj->is_object()) {
      set_member(std::string(), key, json::object());
    }
    ensure_urn(ext->id);
    return key;
  }

  /// Writes the whole value of `t.attr` (canonical key spelling).
  /// Returns the index of the undo record that holds the previous value.
  std::uint32_t set_attr(const target& t, json v, bool record = true) {
    std::string ck;
    if (t.ext != nullptr) ck = ensure_extension(t.ext);
    json* c = container_of(ck);
    if (c == nullptr) return 0;
    auto& map = c->get_ref<json::object_t&>();
    std::optional<std::uint32_t> old_record;
    if (map.find(t.attr->name) == map.end()) {
      auto it = find_ci(map, t.attr->name);
      if (it != map.end()) {
        const std::string old_key = it->first;
        set_member(ck, old_key, std::nullopt);
        old_record = last_undo();
      }
    }
    set_member(ck, t.attr->name, std::move(v));
    if (record) note(t);
    return old_record.value_or(last_undo());
  }

  /// Removes `t.attr`; an extension left empty goes, with its URN. Returns
  /// the index of the undo record holding the removed value (npos if none).
  std::uint32_t erase_attr(const target& t) {
    std::string ck, key;
    if (current(t, &ck, &key) == nullptr) return removed_ref::whole_entry;
    set_member(ck, key, std::nullopt);
    const std::uint32_t record = last_undo();
    note(t);
    if (t.ext != nullptr) {
      std::string ext_key;
      json* obj = find_extension(t.ext, &ext_key);
      if (obj != nullptr && obj->is_object() && obj->empty()) {
        set_member(std::string(), ext_key, std::nullopt);
        remove_urn(t.ext->id);
      }
    }
    return record;
  }

  // ---- operations ---------------------------------------------------------------

  opt_error apply_operation(const operation& op) {
    if (!op.path) return apply_pathless(op);
    const patch_path& p = *op.path;
    if (!p.has_value_filter() && !p.attribute.has_sub_attribute() && p.attribute.has_urn()) {
      const std::string whole = to_string(p.attribute);
      if (const schema* ext = extension_by_urn(whole)) return apply_extension(op.op, ext, op.value, op.has_value);
    }
    std::string qualified;  // only built for `urn:...:attr` and `attr.sub`
    std::string_view text = p.attribute.name;
    if (p.attribute.has_urn() || p.attribute.has_sub_attribute()) {
      qualified = to_string(p.attribute);
      text = qualified;
    }
    auto t = resolve(text);
    if (!t) return std::move(t.error());
    if (!p.has_value_filter()) return apply_plain(op.op, *t, op.value, op.has_value);
    if (!p.sub_attribute.empty()) {
      t->sub = t->attr->find_sub_attribute(p.sub_attribute);
      if (t->sub == nullptr)
        return invalid_path_error("attribute '" + t->name + "' has no sub-attribute '" + p.sub_attribute + "'");
    }
    return apply_filtered(op.op, *t, *p.value_filter, op.value);
  }

  const schema* extension_by_urn(std::string_view urn) const {
    for (const auto& ref : rt_.schema_extensions)
      if (iequals(ref.schema, urn)) return reg_.find_schema(ref.schema);
    return nullptr;
  }

  bool extension_required(const schema* ext) const {
    for (const auto& ref : rt_.schema_extensions)
      if (iequals(ref.schema, ext->id)) return ref.required;
    return false;
  }

  expected<target> resolve(std::string_view path) {
    // Plain `attr` / `attr.sub` (the common case) straight from the core schema.
    if (path.find(':') == std::string_view::npos) {
      std::string_view name = path;
      std::string_view sub_name;
      bool has_sub = false;
      if (auto dot = name.find('.'); dot != std::string_view::npos) {
        sub_name = name.substr(dot + 1);
        name = name.substr(0, dot);
        has_sub = true;
      }
      const attribute* a = core_->find(name);
      bool common = false;
      if (a == nullptr) {
        a = find_common_attribute(name);
        common = a != nullptr;
      }
      if (a != nullptr && (!has_sub || (a->is_complex() && sub_name.find('.') == std::string_view::npos))) {
        const attribute* sub = has_sub ? a->find_sub_attribute(sub_name) : nullptr;
        if (!has_sub || sub != nullptr) {
          target t;
          t.set(nullptr, a);
          t.sub = sub;
          t.common = common;
          return t;
        }
      }
      // otherwise the registry produces the error message
    }
    auto r = reg_.resolve(rt_, path);
    if (!r) return fail(std::move(r.error()));
    target t;
    t.set(r->is_extension ? r->owner : nullptr, r->attr);
    t.sub = r->sub;
    t.common = r->is_common;
    return t;
  }

  opt_error apply_pathless(const operation& op) {
    if (op.op == op_type::remove) return no_target_error("remove needs a 'path' naming what to remove");
    if (!op.value.is_object())
      return invalid_value_error("without a 'path' the value must be an object of attributes, got " +
                                 std::string(type_name(op.value)));
    for (const auto& [k, v] : op.value.get_ref<const json::object_t&>()) {
      if (iequals(k, "schemas")) continue;  // maintained by the applier
      if (const schema* ext = extension_by_urn(k)) {
        if (auto err = apply_extension(op.op, ext, v, true)) return err;
        continue;
      }
      auto t = resolve(k);
      if (!t) return std::move(t.error());
      if (!opts_.dotted_keys && k.find_first_of(".:") != std::string::npos)
        return dotted_key_error(k, *t);
      if (auto err = apply_plain(op.op, *t, v, true)) return err;
    }
    return std::nullopt;
  }

  /// strict: a value key that is an attribute path, not an attribute name.
  static error dotted_key_error(std::string_view key, const target& t) {
    std::string nested = "{\"" + (t.ext != nullptr ? t.ext->id + "\": {\"" : std::string()) + t.attr->name + "\": ";
    nested += t.sub != nullptr ? "{\"" + t.sub->name + "\": ...}}" : std::string("...}");
    if (t.ext != nullptr) nested += "}";
    return invalid_value_error("'" + std::string(key) +
                               "': the keys of a value object are attribute names, not paths; write " + nested +
                               " (dotted and URN-qualified keys are an Entra ID deviation, accepted by the entra "
                               "and lenient dialects)");
  }

  /// The extension object addressed as a whole (path or path-less key).
  opt_error apply_extension(op_type op, const schema* ext, const json& value, bool has_value) {
    if (op == op_type::remove) {
      if (has_value && !value.is_null())
        return invalid_value_error(ext->id + ": remove of a schema extension takes no value");
      if (extension_required(ext))
        return mutability_error(ext->id + ": the schema extension is required and cannot be removed");
      std::string key;
      json* obj = find_extension(ext, &key);
      if (obj == nullptr) return std::nullopt;
      if (obj->is_object()) {
        for (const auto& [k, v] : obj->get_ref<const json::object_t&>()) {
          const attribute* a = ext->find(k);
          const std::string name = ext->id + ":" + (a != nullptr ? a->name : k);
          if (a != nullptr && a->required) return mutability_error(name + ": required attribute cannot be removed");
          if (a != nullptr && a->mutability == attribute_mutability::read_only)
            return mutability_error(name + ": readOnly attribute cannot be removed");
          if (a != nullptr && a->mutability == attribute_mutability::immutable && assigned(&v))
            return mutability_error(name + ": immutable attribute cannot be removed");
        }
        for (const auto& [k, v] : obj->get_ref<const json::object_t&>()) {
          const attribute* a = ext->find(k);
          note_name(ext->id + ":" + (a != nullptr ? a->name : k), true);
        }
      }
      set_member(std::string(), key, std::nullopt);
      remove_urn(ext->id);
      return std::nullopt;
    }
    if (value.is_null()) {
      if (op == op_type::add) return std::nullopt;
      return apply_extension(op_type::remove, ext, value, false);
    }
    if (!value.is_object())
      return invalid_value_error(ext->id + ": expected an object of extension attributes, got " +
                                 std::string(type_name(value)));
    for (const auto& [k, v] : value.get_ref<const json::object_t&>()) {
      std::string_view name = k;
      std::string_view sub_name;
      bool dotted = false;
      if (auto dot = name.find('.'); dot != std::string_view::npos) {
        sub_name = name.substr(dot + 1);
        name = name.substr(0, dot);
        dotted = true;
      }
      target t;
      const attribute* a = ext->find(name);
      if (a == nullptr) return invalid_path_error(ext->id + ":" + k + ": unknown attribute of schema " + ext->id);
      t.set(ext, a);
      if (dotted) {
        t.sub = t.attr->find_sub_attribute(sub_name);
        if (t.sub == nullptr)
          return invalid_path_error(t.name + ": no sub-attribute '" + std::string(sub_name) + "'");
        if (!opts_.dotted_keys) return dotted_key_error(ext->id + ":" + k, t);
      }
      if (auto err = apply_plain(op, t, v, true)) return err;
    }
    return std::nullopt;
  }

  bool is_read_only(const target& t) const {
    if (trusted_) return false;  // the service provider's own derived operations
    return t.attr->mutability == attribute_mutability::read_only ||
           (t.sub != nullptr && t.sub->mutability == attribute_mutability::read_only);
  }
  static bool is_immutable(const target& t) {
    return t.attr->mutability == attribute_mutability::immutable ||
           (t.sub != nullptr && t.sub->mutability == attribute_mutability::immutable);
  }

  opt_error apply_plain(op_type op, const target& t, const json& value, bool has_value) {
    if (t.common && iequals(t.attr->name, "schemas"))
      return mutability_error("schemas: maintained by the service provider from the extensions present");
    if (op == op_type::remove) {
      if (is_read_only(t)) return mutability_error(t.path() + ": readOnly attribute cannot be removed");
      return remove_plain(t, value, has_value);
    }
    if (value.is_null()) {
      if (op == op_type::add) return std::nullopt;  // nothing to add
      if (is_read_only(t)) {
        if (opts_.unchanged_read_only && !assigned(current_value(t))) return std::nullopt;
        return read_only_error(t);
      }
      return remove_plain(t, json(), false);
    }
    if (is_read_only(t)) {
      const json* cur = current_value(t);
      if (opts_.unchanged_read_only && cur != nullptr && *cur == value)
        return std::nullopt;  // unchanged (Okta sends the id back)
      return read_only_error(t, cur != nullptr && *cur == value);
    }
    if (t.sub != nullptr) {
      if (t.attr->multi_valued)
        return invalid_path_error(t.path() + ": a sub-attribute of the multi-valued attribute '" + t.name +
                                  "' needs a value filter, e.g. " + t.attr->name + "[type eq \"work\"]." +
                                  t.sub->name);
      return set_sub(t, value);
    }
    if (t.attr->multi_valued) return set_multi(op, t, value);
    if (t.attr->is_complex()) return merge_complex(t, value);
    return set_simple(t, value);
  }

  error read_only_error(const target& t, bool unchanged = false) const {
    std::string d = t.path() + ": readOnly attribute cannot be modified";
    if (unchanged)
      d += " (not even to its current value: repeating it is an Okta deviation, accepted by the okta and "
           "lenient dialects)";
    return mutability_error(std::move(d));
  }

  /// The current value of the target (sub-attribute when there is one).
  json* current_value(const target& t) {
    json* cur = current(t);
    if (cur == nullptr || t.sub == nullptr) return cur;
    if (!cur->is_object()) return nullptr;
    auto& map = cur->get_ref<json::object_t&>();
    auto it = find_ci(map, t.sub->name);
    return it == map.end() ? nullptr : &it->second;
  }

  opt_error set_simple(const target& t, const json& value) {
    json v;
    if (auto err = canon_value(*t.attr, value, path_chain{nullptr, t.name}, false, 1, v)) return err;
    const json* cur = current(t);
    if (t.attr->mutability == attribute_mutability::immutable && assigned(cur) &&
        !val::values_equal(*t.attr, *cur, v, 1))
      return mutability_error(t.path() + ": immutable attribute cannot be changed once set");
    if (cur != nullptr && *cur == v) {
      std::string ck, key;
      current(t, &ck, &key);
      if (key == t.attr->name) return std::nullopt;
    }
    set_attr(t, std::move(v));
    return std::nullopt;
  }

  /// Merges given sub-attributes into `base` (checking immutability);
  /// null sub-attributes clear.
  opt_error merge_into(const target& t, const attribute& a, json& base, const json& canon) {
    auto& map = base.get_ref<json::object_t&>();
    for (const auto& [k, v] : canon.get_ref<const json::object_t&>()) {
      const attribute* sub = a.find_sub_attribute(k);
      auto it = find_ci(map, k);
      const json* existing = it != map.end() ? &it->second : nullptr;
      if (sub != nullptr && sub->mutability == attribute_mutability::immutable && assigned(existing) &&
          (v.is_null() || !val::values_equal(*sub, *existing, v, 1)))
        return mutability_error(t.path() + "." + k + ": immutable sub-attribute cannot be changed once set");
      if (v.is_null()) {
        if (it != map.end()) map.erase(it);
      } else {
        put_canonical(map, k, v);
      }
    }
    return std::nullopt;
  }

  opt_error merge_complex(const target& t, const json& value) {
    json canon;
    if (auto err = canon_single(*t.attr, value, path_chain{nullptr, t.name}, true, 1, canon)) return err;
    const json* cur = current(t);
    json merged = cur != nullptr && cur->is_object() ? *cur : json::object();
    if (auto err = merge_into(t, *t.attr, merged, canon)) return err;
    if (t.attr->mutability == attribute_mutability::immutable && assigned(cur) && merged != *cur)
      return mutability_error(t.path() + ": immutable attribute cannot be changed once set");
    if (cur != nullptr && merged == *cur) return std::nullopt;
    if (merged.empty()) {
      if (t.attr->required) return mutability_error(t.path() + ": required attribute cannot be removed");
      erase_attr(t);
      return std::nullopt;
    }
    set_attr(t, std::move(merged));
    return std::nullopt;
  }

  opt_error set_sub(const target& t, const json& value) {
    json v;
    const path_chain base{nullptr, t.name};
    if (auto err = canon_value(*t.sub, value, path_chain{&base, t.sub->name}, false, 2, v)) return err;
    if (!t.attr->is_complex()) return invalid_path_error(t.path() + ": '" + t.name + "' is not complex");
    const json* cur = current(t);
    json merged = cur != nullptr && cur->is_object() ? *cur : json::object();
    auto& map = merged.get_ref<json::object_t&>();
    auto it = find_ci(map, t.sub->name);
    const json* existing = it != map.end() ? &it->second : nullptr;
    if (is_immutable(t) && assigned(existing) && !val::values_equal(*t.sub, *existing, v, 2))
      return mutability_error(t.path() + ": immutable attribute cannot be changed once set");
    if (existing != nullptr && *existing == v && it->first == t.sub->name) return std::nullopt;
    put_canonical(map, t.sub->name, std::move(v));
    set_attr(t, std::move(merged));
    return std::nullopt;
  }

  opt_error remove_plain(const target& t, const json& value, bool has_value) {
    const bool with_value = has_value && !value.is_null();
    if (t.sub != nullptr) {
      if (t.attr->multi_valued)
        return invalid_path_error(t.path() + ": a sub-attribute of the multi-valued attribute '" + t.name +
                                  "' needs a value filter");
      if (with_value) return invalid_value_error(t.path() + ": remove takes no value");
      if (t.sub->required) return mutability_error(t.path() + ": required sub-attribute cannot be removed");
      json* cur = current(t);
      if (cur == nullptr || !cur->is_object()) return std::nullopt;
      json merged = *cur;
      auto& map = merged.get_ref<json::object_t&>();
      auto it = find_ci(map, t.sub->name);
      if (it == map.end()) return std::nullopt;
      if (is_immutable(t) && assigned(&it->second))
        return mutability_error(t.path() + ": immutable attribute cannot be removed");
      map.erase(it);
      if (merged.empty()) {
        if (t.attr->required) return mutability_error(t.path() + ": required attribute cannot be removed");
        erase_attr(t);
      } else {
        set_attr(t, std::move(merged));
      }
      return std::nullopt;
    }
    if (t.attr->required) return mutability_error(t.path() + ": required attribute cannot be removed");
    if (with_value) {
      if (!t.attr->multi_valued || !opts_.remove_by_value_list)
        return invalid_value_error(t.path() + ": remove takes no value (to remove some values use a filter, "
                                              "e.g. members[value eq \"...\"])");
      return remove_values(t, value);
    }
    json* cur = current(t);
    if (cur == nullptr) return std::nullopt;
    if (t.attr->mutability == attribute_mutability::immutable && assigned(cur))
      return mutability_error(t.path() + ": immutable attribute cannot be removed");
    const bool was_array = cur->is_array();
    const std::uint32_t record = erase_attr(t);
    if (delta_state* d = delta_for(t); d != nullptr && was_array) {
      const auto& old = undo_[record].old.get_ref<const json::array_t&>();
      for (std::size_t i = 0; i < old.size(); ++i) {
        visit();
        if (!detail::is_hole(old[i])) d->removed.push_back(removed_ref{record, static_cast<std::uint32_t>(i)});
      }
    }
    return std::nullopt;
  }

  /// remove with a value list: removes the elements each listed value covers.
  opt_error remove_values(const target& t, const json& value) {
    if (value.is_array() && value.size() > opts_.max_values_per_operation)
      return invalid_value_error(t.path() + ": more than " + std::to_string(opts_.max_values_per_operation) +
                                 " values in one operation");
    std::vector<json> wanted;
    const auto path = [&t] { return t.path(); };
    const path_chain attr_chain{nullptr, t.name};
    auto take = [&](const json& w) -> opt_error {
      if (w.is_null()) return std::nullopt;
      json c;
      if (auto err = canon_single(*t.attr, w, attr_chain, false, 1, c)) return err;
      wanted.push_back(std::move(c));
      return std::nullopt;
    };
    if (value.is_array()) {
      for (const auto& w : value)
        if (auto err = take(w)) return err;
    } else if (auto err = take(value)) {
      return err;
    }
    std::string ck, key;
    json* cur = current(t, &ck, &key);
    if (cur == nullptr || !cur->is_array()) return std::nullopt;
    if (t.attr->mutability == attribute_mutability::immutable)
      return mutability_error(path() + ": immutable attribute cannot be changed once set");
    detail::mv_state& s = state_for(t, *cur);
    const std::uint32_t loc = intern(ck, key);
    for (const auto& w : wanted) {
      if (w.is_object() && w.empty()) continue;
      for (std::size_t pos : find_covered(t, s, *cur, w, false)) tombstone(t, s, *cur, loc, pos);
    }
    if (live(s, *cur) == 0) erase_attr(t);
    return std::nullopt;
  }

  opt_error set_multi(op_type op, const target& t, const json& value) {
    const auto path = [&t] { return t.path(); };
    const path_chain attr_chain{nullptr, t.name};
    std::vector<json> elems;
    auto take = [&](const json& e, std::size_t i) -> opt_error {
      if (e.is_null()) return std::nullopt;
      if (e.is_array()) return invalid_value_error(path() + "[" + std::to_string(i) + "]: expected a single value");
      if (movable_ && !(e.is_object() && e.empty()) && is_canonical_single(*t.attr, e)) {
        // Already canonical, and the request was given up: move, do not rebuild.
        elems.push_back(std::move(const_cast<json&>(e)));  // NOLINT: the request is ours (see movable_)
        return std::nullopt;
      }
      json c;
      if (auto err = canon_single(*t.attr, e, attr_chain, false, 1, c)) return err;
      if (c.is_object() && c.empty()) return std::nullopt;
      elems.push_back(std::move(c));
      return std::nullopt;
    };
    if (value.is_array()) {
      if (value.size() > opts_.max_values_per_operation)
        return invalid_value_error(path() + ": more than " + std::to_string(opts_.max_values_per_operation) +
                                   " values in one operation");
      elems.reserve(value.size());
      std::size_t i = 0;
      for (const auto& e : value)
        if (auto err = take(e, i++)) return err;
    } else if (auto err = take(value, 0)) {  // a single value for a multi-valued attribute: one element
      return err;
    }
    std::size_t primaries = 0;
    for (const auto& e : elems)
      if (is_primary(e)) ++primaries;
    if (primaries > 1) return invalid_value_error(path() + ": more than one value has primary set to true");
    const json* cur = t.attr->mutability == attribute_mutability::immutable ? current(t) : nullptr;
    if (t.attr->mutability == attribute_mutability::immutable && assigned(cur)) {
      json proposed(elems);
      if (op == op_type::add || !val::values_equal(*t.attr, *cur, proposed, 1))
        return mutability_error(path() + ": immutable attribute cannot be changed once set");
      return std::nullopt;
    }
    if (op == op_type::replace) return replace_all(t, std::move(elems));
    return add_values(t, std::move(elems));
  }

  opt_error replace_all(const target& t, std::vector<json> elems) {
    std::string ck, key;
    json* cur = current(t, &ck, &key);
    if (elems.empty()) {
      if (t.attr->required) return mutability_error(t.path() + ": required attribute cannot be removed");
      return remove_plain(t, json(), false);
    }
    std::vector<std::uint32_t> old;  // positions of the live elements
    if (cur != nullptr && cur->is_array()) {
      const auto& v = cur->get_ref<const json::array_t&>();
      old.reserve(v.size());
      for (std::size_t i = 0; i < v.size(); ++i) {
        visit();
        if (!detail::is_hole(v[i])) old.push_back(static_cast<std::uint32_t>(i));
      }
      bool same = old.size() == elems.size() && key == t.attr->name;
      for (std::size_t i = 0; same && i < old.size(); ++i) same = v[old[i]] == elems[i];
      if (same) return std::nullopt;
    }
    // Elements present before and after (equal JSON) are neither added nor removed.
    std::vector<bool> kept(old.size(), false);
    delta_state* d = delta_for(t);
    if (d != nullptr) {
      const detail::mv_state* s = cur != nullptr && cur->is_array() ? &state_for(t, *cur) : nullptr;
      const json::array_t* v = cur != nullptr && cur->is_array() ? &cur->get_ref<const json::array_t&>() : nullptr;
      detail::value_index before;
      if (s != nullptr) {
        before.reserve(old.size());
        for (std::size_t i = 0; i < old.size(); ++i) {
          visit();
          if (auto k = detail::element_key(*s, (*v)[old[i]]))
            before.insert(detail::key_hash(*k, s->fold), static_cast<std::uint32_t>(i));
        }
      }
      for (const auto& e : elems) {
        bool found = false;
        auto try_kept = [&](std::uint32_t i) {
          visit();
          if (kept[i] || (*v)[old[i]] != e) return false;
          kept[i] = true;
          found = true;
          return true;
        };
        if (s != nullptr) {
          if (auto k = detail::element_key(*s, e)) {
            before.find(detail::key_hash(*k, s->fold), try_kept);
          } else {
            for (std::uint32_t i = 0; i < old.size() && !found; ++i) try_kept(i);
          }
        }
        if (!found) d->added.push_back(e);
      }
    }
    json arr = json::array();
    auto& nv = arr.get_ref<json::array_t&>();
    nv.reserve(elems.size());
    for (auto& e : elems) nv.push_back(std::move(e));
    const std::uint32_t record = set_attr(t, std::move(arr));
    if (d != nullptr && undo_[record].had) {
      for (std::size_t i = 0; i < old.size(); ++i)
        if (!kept[i]) d->removed.push_back(removed_ref{record, old[i]});
    }
    return std::nullopt;
  }

  opt_error add_values(const target& t, std::vector<json> elems) {
    if (elems.empty()) return std::nullopt;
    std::string ck, key;
    json* cur = current(t, &ck, &key);
    if (cur == nullptr || !cur->is_array()) {
      json init = json::array();
      if (cur != nullptr && !cur->is_null()) init.push_back(*cur);  // a stray single value becomes an element
      set_attr(t, std::move(init), false);
      cur = current(t, &ck, &key);
      if (cur == nullptr) return error::internal(t.path() + ": could not create the attribute");
    }
    detail::mv_state& s = state_for(t, *cur);
    const std::uint32_t loc = intern(ck, key);
    for (auto& e : elems) {
      if (opts_.idempotent_add && !find_covered(t, s, *cur, e, true).empty()) continue;
      if (is_primary(e)) clear_primaries(t, s, *cur, loc, static_cast<std::size_t>(-1));
      append_element(t, s, *cur, loc, std::move(e));
    }
    if (live(s, *cur) == 0) erase_attr(t);  // e.g. everything was already there and the array was new
    return std::nullopt;
  }

  opt_error apply_filtered(op_type op, const target& t, const filter::filter& f, const json& value) {
    const auto path = [&t] { return t.path(); };
    const path_chain attr_chain{nullptr, t.name};
    if (t.common && iequals(t.attr->name, "schemas"))
      return mutability_error("schemas: maintained by the service provider from the extensions present");
    if (!t.attr->multi_valued || !t.attr->is_complex())
      return invalid_path_error(t.name + "[...]: a value filter needs a multi-valued complex attribute");
    auto m = compile_matcher(f, *t.attr, rt_, reg_);
    if (!m) return std::move(m.error());
    if (is_read_only(t)) return mutability_error(path() + ": readOnly attribute cannot be modified");
    std::string ck, key;
    json* cur = current(t, &ck, &key);
    std::vector<std::size_t> hits;
    detail::mv_state* s = nullptr;
    if (cur != nullptr && cur->is_array()) {
      s = &state_for(t, *cur);
      hits = find_matches(*s, *cur, *m);
    }
    if (hits.empty()) {
      if (op == op_type::add && t.sub != nullptr && opts_.add_unmatched_filter_appends && !value.is_null()) {
        if (auto elem = element_from_eq_filter(f, *t.attr)) {
          (*elem)[t.sub->name] = value;
          json c;
          if (auto err = canon_single(*t.attr, *elem, attr_chain, false, 1, c)) return err;
          if (t.attr->mutability == attribute_mutability::immutable && assigned(cur))
            return mutability_error(path() + ": immutable attribute cannot be changed once set");
          std::vector<json> one;
          one.push_back(std::move(c));
          return add_values(t, std::move(one));
        }
      }
      return no_target_error(t.name + ": no value matches the value filter");
    }
    if (t.attr->mutability == attribute_mutability::immutable)
      return mutability_error(path() + ": immutable attribute cannot be changed once set");
    json& arr = *cur;
    const std::uint32_t loc = intern(ck, key);

    if (op == op_type::remove || value.is_null()) {
      if (op == op_type::add) return std::nullopt;  // adding "unassigned" adds nothing
      // remove, or replace with null: the matching elements (or their sub-attribute) go.
      if (t.sub == nullptr) {
        for (std::size_t pos : hits) tombstone(t, *s, arr, loc, pos);
      } else {
        if (t.sub->required) return mutability_error(path() + ": required sub-attribute cannot be removed");
        for (std::size_t pos : hits) {
          const json& e = arr.get_ref<const json::array_t&>()[pos];
          const json* ev = find_ci(e, t.sub->name);
          if (ev == nullptr) continue;
          if (is_immutable(t) && assigned(ev))
            return mutability_error(path() + ": immutable sub-attribute cannot be removed");
          json ne = e;
          erase_ci(ne.get_ref<json::object_t&>(), t.sub->name);
          if (ne.empty()) tombstone(t, *s, arr, loc, pos);
          else replace_element(t, *s, arr, loc, pos, std::move(ne));
        }
      }
      if (live(*s, arr) == 0) erase_attr(t);
      return std::nullopt;
    }

    if (t.sub == nullptr) {
      json canon;
      if (auto err = canon_single(*t.attr, value, attr_chain, true, 1, canon)) return err;
      const bool primary = is_primary(canon);
      if (primary && hits.size() > 1)
        return invalid_value_error(path() + ": primary set to true on " + std::to_string(hits.size()) + " values");
      for (std::size_t pos : hits) {
        const json& e = arr.get_ref<const json::array_t&>()[pos];
        json merged = e.is_object() ? e : json::object();
        if (auto err = merge_into(t, *t.attr, merged, canon)) return err;
        if (merged == e) continue;
        if (primary) clear_primaries(t, *s, arr, loc, pos);
        if (merged.empty()) tombstone(t, *s, arr, loc, pos);
        else replace_element(t, *s, arr, loc, pos, std::move(merged));
      }
      if (live(*s, arr) == 0) erase_attr(t);
      return std::nullopt;
    }

    json v;
    if (auto err = canon_value(*t.sub, value, path_chain{&attr_chain, t.sub->name}, false, 2, v)) return err;
    const bool primary = iequals(t.sub->name, "primary") && v.is_boolean() && v.get<bool>();
    if (primary && hits.size() > 1)
      return invalid_value_error(path() + ": primary set to true on " + std::to_string(hits.size()) + " values");
    for (std::size_t pos : hits) {
      const json& e = arr.get_ref<const json::array_t&>()[pos];
      const json* ev = find_ci(e, t.sub->name);
      if (is_immutable(t) && assigned(ev) && !val::values_equal(*t.sub, *ev, v, 2))
        return mutability_error(path() + ": immutable sub-attribute cannot be changed once set");
      if (ev != nullptr && *ev == v) continue;
      json ne = e.is_object() ? e : json::object();
      put_canonical(ne.get_ref<json::object_t&>(), t.sub->name, v);
      if (primary) clear_primaries(t, *s, arr, loc, pos);
      replace_element(t, *s, arr, loc, pos, std::move(ne));
    }
    return std::nullopt;
  }

  bool movable_ = false;
  document& doc_;
  json& res_;
  const resource_type& rt_;
  const schema_registry& reg_;
  const apply_options& opts_;
  document_counters& counters_;
  const schema* core_ = nullptr;
  std::vector<undo_entry>& undo_;
  std::vector<location>& locs_;
  std::vector<std::pair<std::string, bool>>& changed_;  // name, changed other than through value deltas
  std::vector<delta_state>& deltas_;
  std::vector<detail::mv_state*>& touched_;
  std::vector<std::pair<std::string, std::size_t>> planned_;
};

}  // namespace detail

/// Applies `req` to the document atomically: on success the resource holds
/// every operation's effect and the change set says what changed; on failure
/// (the first failing operation's error, its detail prefixed with
/// "Operations[i] (op path): ") the resource is unchanged.
inline expected<change_set> apply(document& doc, const request& req, const resource_type& rt,
                                  const schema_registry& reg, const apply_options& opts = {}) {
  detail::applier a(doc, rt, reg, opts);
  return a.run(req);
}

/// The same, consuming the request: values that are already in canonical
/// form (e.g. `{"value": id, "display": name}` members) are moved into the
/// resource instead of rebuilt. The result is identical; `req` is left in a
/// valid but unspecified state.
inline expected<change_set> apply(document& doc, request&& req, const resource_type& rt,
                                  const schema_registry& reg, const apply_options& opts = {}) {
  detail::applier a(doc, rt, reg, opts, true);
  return a.run(req);
}

/// The same on a plain JSON resource (wrapped in a temporary document; no copy).
inline expected<change_set> apply(json& resource, const request& req, const resource_type& rt,
                                  const schema_registry& reg, const apply_options& opts = {}) {
  document doc(std::move(resource));
  auto result = apply(doc, req, rt, reg, opts);
  resource = std::move(doc).release();
  return result;
}

/// The same on a plain JSON resource, consuming the request.
inline expected<change_set> apply(json& resource, request&& req, const resource_type& rt,
                                  const schema_registry& reg, const apply_options& opts = {}) {
  document doc(std::move(resource));
  auto result = apply(doc, std::move(req), rt, reg, opts);
  resource = std::move(doc).release();
  return result;
}

}  // namespace patch
SCIM_END_NAMESPACE
