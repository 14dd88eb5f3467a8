// scimpp: 1Password's service-provider rules, as a scim::service::policy.
//
//   auto reg = scim::onepassword::make_registry();           // + the state extension
//   scim::store::memory_store store(reg);
//   scim::service::service_options o;
//   o.rules = std::make_shared<scim::onepassword::policy>(scim::onepassword::options{});
//   scim::service::service svc(store, reg, o);
//   ...
//   scim::onepassword::confirm_user(store, reg, id);         // the person joined
//
// Users
//   * State: invited, active (joined) or suspended, shown to clients in the
//     read-only attribute `state` of the extension schema state_urn (listed in
//     /Schemas; clients cannot set it: it is readOnly, so a client value is
//     ignored on POST/PUT and rejected by PATCH). A new user starts invited
//     (options::on_invited is told, so the application can send the
//     invitation email), or active with options::auto_confirm. confirm_user()
//     marks an invited user as joined (active).
//   * `active` on the wire is true for invited and active users, false for
//     suspended ones. Deactivation (`active: false` by PATCH in any dialect's
//     shape, or by PUT): an invited user is removed (the service deletes it
//     after the write: later GET is 404, it is gone from lists and groups);
//     an active user becomes suspended. Reactivation (`active: true`)
//     restores a suspended user to active; an invited user stays invited. A
//     POST with `active: false` creates a suspended user.
//   * `userName` is the 1Password account's email address: it must be a valid
//     address (400 invalidValue) and is unique case-insensitively (the
//     store's rule). With options::allowed_domains, other domains are
//     rejected (400 invalidValue naming the domain). `emails` are kept as
//     sent: identity providers may send a different address there (Entra ID
//     maps the UPN to userName); the account is identified by `userName`.
//   * `password` is accepted and dropped: never stored, never returned
//     (1Password does not support password sync).
//   * Names: displayName and name.formatted are "firstname lastname"
//     (scim/onepassword/naming.hpp). On POST and PUT an explicit value is
//     kept and derived only when absent; a PATCH that changes name.givenName
//     or name.familyName recomputes both, even when it also sets displayName.
// Groups
//   * The built-in groups (Owners, Administrators, Team Members, Security,
//     Provision Managers; compared case-insensitively) are invisible: absent
//     from lists and filters, 404 when addressed by id (so they cannot be
//     changed or deleted), and creating or renaming a group to one of those
//     names is 400 invalidValue. Nothing changes on any of these errors.
//   * displayName is unique (the store's rule: 409 uniqueness). Renames are
//     allowed; deleting a group leaves its members' accounts as they are.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scim/config.hpp"
#include "scim/detail/ascii.hpp"
#include "scim/error.hpp"
#include "scim/expected.hpp"
#include "scim/filter/parser.hpp"
#include "scim/json.hpp"
#include "scim/onepassword/naming.hpp"
#include "scim/patch/apply.hpp"
#include "scim/patch/document.hpp"
#include "scim/patch/operation.hpp"
#include "scim/schema/attribute.hpp"
#include "scim/schema/registry.hpp"
#include "scim/schema/resource_type.hpp"
#include "scim/schema/urns.hpp"
#include "scim/service/hooks.hpp"
#include "scim/store/concept.hpp"

SCIM_BEGIN_NAMESPACE
namespace onepassword {

/// The extension schema carrying a user's 1Password state.
inline constexpr std::string_view state_urn = "urn:scimpp:params:scim:schemas:extension:onepassword:1.0:User";

enum class user_state { invited, active, suspended };

constexpr std::string_view to_string(user_state s) noexcept {
  switch (s) {
    case user_state::invited: return "invited";
    case user_state::active: return "active";
    case user_state::suspended: return "suspended";
  }
  return "invited";
}

constexpr std::optional<user_state> user_state_from_string(std::string_view s) noexcept {
  for (auto st : {user_state::invited, user_state::active, user_state::suspended})
    if (to_string(st) == s) return st;
  return std::nullopt;
}

/// The state extension schema (one readOnly attribute, `state`).
inline schema state_schema() {
  attribute state;
  state.name = "state";
  state.type = attribute_type::string;
  state.description =
      "The 1Password account state: invited (provisioned, has not joined yet), active (joined) or suspended. "
      "Set by the service provider; deactivating an invited user removes it, an active one is suspended.";
  state.case_exact = true;
  state.mutability = attribute_mutability::read_only;
  state.returned = attribute_returned::default_;
  state.canonical_values = {"invited", "active", "suspended"};
  schema s;
  s.id = std::string(state_urn);
  s.name = "OnePasswordUser";
  s.description = "1Password account state of a provisioned user (scimpp).";
  s.attributes.push_back(std::move(state));
  return s;
}

/// `base` plus the state extension, attached (not required) to the User type.
inline schema_registry make_registry(const schema_registry& base = default_registry()) {
  schema_registry reg = base;
  reg.add_schema(state_schema());
  if (const resource_type* users = reg.find_resource_type("User")) {
    resource_type rt = *users;
    bool listed = false;
    for (const auto& e : rt.schema_extensions)
      if (scim::detail::iequals(e.schema, state_urn)) listed = true;
    if (!listed) rt.schema_extensions.push_back({std::string(state_urn), false});
    reg.add_resource_type(std::move(rt));
  }
  return reg;
}

/// The groups every 1Password account has, which SCIM never sees.
inline const std::vector<std::string>& builtin_groups() {
  static const std::vector<std::string> names{"Owners", "Administrators", "Team Members", "Security",
                                              "Provision Managers"};
  return names;
}

inline bool is_builtin_group(std::string_view name) {
  for (const auto& n : builtin_groups())
    if (scim::detail::iequals(n, name)) return true;
  return false;
}

/// A pragmatic check of an email address (addr-spec without quoted local
/// parts or domain literals): one '@'; a local part of 1-64 characters from
/// the RFC 5322 atext set and non-adjacent, non-edge dots; a domain of at
/// least two dot-separated labels, each 1-63 letters, digits or hyphens, not
/// starting or ending with a hyphen; at most 254 characters in total.
/// Non-ASCII bytes are allowed in both parts (internationalised addresses).
inline bool is_valid_email(std::string_view s) noexcept {
  if (s.empty() || s.size() > 254) return false;
  const std::size_t at = s.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= s.size()) return false;
  const std::string_view local = s.substr(0, at);
  const std::string_view domain = s.substr(at + 1);
  if (local.size() > 64 || local.front() == '.' || local.back() == '.') return false;
  constexpr std::string_view specials = "!#$%&'*+/=?^_`{|}~-.";
  char prev = 0;
  for (char c : local) {
    const auto u = static_cast<unsigned char>(c);
    const bool ok = u >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    specials.find(c) != std::string_view::npos;
    if (!ok || (c == '.' && prev == '.')) return false;
    prev = c;
  }
  std::size_t labels = 0;
  std::size_t start = 0;
  while (start <= domain.size()) {
    std::size_t dot = domain.find('.', start);
    if (dot == std::string_view::npos) dot = domain.size();
    const std::string_view label = domain.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      const auto u = static_cast<unsigned char>(c);
      if (!(u >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
        return false;
    }
    ++labels;
    start = dot + 1;
  }
  return labels >= 2;
}

/// Configuration of the 1Password rules.
struct options {
  /// New users start active instead of invited (for applications without an
  /// invitation step); deactivation then always suspends.
  bool auto_confirm = false;
  /// Email domains userName may use (case-insensitive); empty: any.
  std::vector<std::string> allowed_domains{};
  /// Told about every user created in the invited state (send the invitation).
  std::function<void(const json& user)> on_invited{};
};

namespace detail {

inline const json* member(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  if (auto it = obj.find(std::string(key)); it != obj.end()) return &*it;
  for (auto it = obj.begin(); it != obj.end(); ++it)
    if (scim::detail::iequals(it.key(), key)) return &*it;
  return nullptr;
}

inline std::string string_member(const json& obj, std::string_view key) {
  const json* v = member(obj, key);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

inline void erase_member(json& obj, std::string_view key) {
  if (!obj.is_object()) return;
  std::vector<std::string> names;
  for (auto it = obj.begin(); it != obj.end(); ++it)
    if (scim::detail::iequals(it.key(), key)) names.push_back(it.key());
  for (const auto& n : names) obj.erase(n);
}

inline std::optional<bool> active_of(const json& r) {
  const json* a = member(r, "active");
  if (a == nullptr || !a->is_boolean()) return std::nullopt;
  return a->get<bool>();
}

inline patch::operation replace_op(std::string path_text, json value) {
  patch::operation op;
  op.op = patch::op_type::replace;
  op.path = parse_patch_path(path_text).value();
  op.path_text = std::move(path_text);
  op.value = std::move(value);
  op.has_value = true;
  return op;
}

inline patch::operation remove_op(std::string path_text) {
  patch::operation op;
  op.op = patch::op_type::remove;
  op.path = parse_patch_path(path_text).value();
  op.path_text = std::move(path_text);
  return op;
}

inline std::string state_path() {
  // (append, not operator+: GCC 12 warns falsely about the latter at -O2)
  std::string p(state_urn);
  p.append(":state");
  return p;
}

/// Sets the state extension on a resource (and lists its URN in schemas).
inline void set_state(json& user, user_state s) {
  json& ext = user[std::string(state_urn)];
  if (!ext.is_object()) ext = json::object();
  ext["state"] = std::string(to_string(s));
  json& schemas = user["schemas"];
  if (!schemas.is_array()) schemas = json::array();
  for (const auto& u : schemas)
    if (u.is_string() && scim::detail::iequals(u.get_ref<const std::string&>(), state_urn)) return;
  schemas.push_back(std::string(state_urn));
}

}  // namespace detail

/// The state of a stored user (invited when it carries none).
inline user_state state_of(const json& user) {
  if (const json* ext = detail::member(user, state_urn))
    if (auto s = user_state_from_string(detail::string_member(*ext, "state"))) return *s;
  return user_state::invited;
}

/// The 1Password rules (see the top of this header).
class policy : public service::policy {
 public:
  explicit policy(options opts = {}) : opts_(std::move(opts)) {}

  const options& settings() const noexcept { return opts_; }

  expected<void> prepare_create(service::write_context& ctx, json& r) override {
    if (is_user(ctx.type)) {
      if (auto ok = check_user_name(detail::string_member(r, "userName")); !ok) return ok;
      detail::erase_member(r, "password");
      derive_names(r, false);
      const std::optional<bool> active = detail::active_of(r);
      user_state s = opts_.auto_confirm ? user_state::active : user_state::invited;
      if (active && !*active) s = user_state::suspended;
      if (!active) r["active"] = true;
      detail::set_state(r, s);
      ctx.notes["state"] = std::string(to_string(s));
      return {};
    }
    if (is_group(ctx.type)) return check_group_name(detail::string_member(r, "displayName"));
    return {};
  }

  expected<void> prepare_replace(service::write_context& ctx, const json& current, json& r) override {
    if (is_user(ctx.type)) {
      if (auto ok = check_user_name(detail::string_member(r, "userName")); !ok) return ok;
      detail::erase_member(r, "password");
      derive_names(r, false);
      user_state s = state_of(current);
      const bool active = detail::active_of(r).value_or(detail::active_of(current).value_or(true));
      r["active"] = active;
      if (!active) {
        if (s == user_state::invited) ctx.notes["remove"] = true;
        else s = user_state::suspended;
      } else if (s == user_state::suspended) {
        s = user_state::active;
      }
      detail::set_state(r, s);
      return {};
    }
    if (is_group(ctx.type)) return check_group_name(detail::string_member(r, "displayName"));
    return {};
  }

  expected<void> before_patch(service::write_context& ctx, const json& current) override {
    if (!is_user(ctx.type)) return {};
    ctx.notes["state"] = std::string(to_string(state_of(current)));
    const json* name = detail::member(current, "name");
    ctx.notes["givenName"] = name != nullptr ? detail::string_member(*name, "givenName") : std::string();
    ctx.notes["familyName"] = name != nullptr ? detail::string_member(*name, "familyName") : std::string();
    return {};
  }

  expected<std::vector<patch::operation>> after_patch(service::write_context& ctx, const json& patched,
                                                      const std::vector<std::string>& changed) override {
    std::vector<patch::operation> more;
    auto has = [&changed](std::string_view a) {
      for (const auto& c : changed)
        if (scim::detail::iequals(c, a)) return true;
      return false;
    };
    if (is_group(ctx.type)) {
      if (has("displayName"))
        if (auto ok = check_group_name(detail::string_member(patched, "displayName")); !ok)
          return fail(std::move(ok.error()));
      return more;
    }
    if (!is_user(ctx.type)) return more;
    if (has("userName"))
      if (auto ok = check_user_name(detail::string_member(patched, "userName")); !ok) return fail(std::move(ok.error()));
    if (has("password") && detail::member(patched, "password") != nullptr) more.push_back(detail::remove_op("password"));
    if (has("name")) {
      const json* name = detail::member(patched, "name");
      const std::string given = name != nullptr ? detail::string_member(*name, "givenName") : std::string();
      const std::string family = name != nullptr ? detail::string_member(*name, "familyName") : std::string();
      if (given != ctx.notes.value("givenName", std::string()) ||
          family != ctx.notes.value("familyName", std::string())) {
        const std::string full = display_name(given, family);
        if (full.empty()) {
          more.push_back(detail::remove_op("displayName"));
          more.push_back(detail::remove_op("name.formatted"));
        } else {
          more.push_back(detail::replace_op("displayName", full));
          more.push_back(detail::replace_op("name.formatted", full));
        }
      }
    }
    if (has("active")) {
      const user_state s = user_state_from_string(ctx.notes.value("state", std::string())).value_or(user_state::invited);
      const bool active = detail::active_of(patched).value_or(true);
      if (!active && s == user_state::invited) ctx.notes["remove"] = true;
      else if (!active && s == user_state::active)
        more.push_back(detail::replace_op(detail::state_path(), std::string(to_string(user_state::suspended))));
      else if (active && s == user_state::suspended)
        more.push_back(detail::replace_op(detail::state_path(), std::string(to_string(user_state::active))));
    }
    return more;
  }

  service::follow_up after_write(service::write_context& ctx, const json& result) override {
    if (!is_user(ctx.type)) return service::follow_up::none;
    if (ctx.notes.value("remove", false)) return service::follow_up::remove;
    if (ctx.kind == service::write_kind::create && ctx.notes.value("state", std::string()) == "invited" &&
        opts_.on_invited)
      opts_.on_invited(result);
    return service::follow_up::none;
  }

  std::string visibility_filter(const resource_type& rt) const override {
    if (!is_group(rt)) return {};
    std::string f = "not (";
    bool first = true;
    for (const auto& n : builtin_groups()) {
      if (!first) f += " or ";
      first = false;
      f += "displayName eq " + dump_json(json(n));
    }
    return f + ")";
  }

 private:
  static bool is_user(const resource_type& rt) { return scim::detail::iequals(rt.schema, urn::user); }
  static bool is_group(const resource_type& rt) { return scim::detail::iequals(rt.schema, urn::group); }

  expected<void> check_user_name(const std::string& user_name) const {
    if (!is_valid_email(user_name))
      return fail(error_code::invalid_value,
                  "userName: '" + user_name.substr(0, 200) +
                      "' is not a valid email address; 1Password accounts are identified by their email address");
    if (opts_.allowed_domains.empty()) return {};
    const std::string domain = user_name.substr(user_name.rfind('@') + 1);
    for (const auto& d : opts_.allowed_domains)
      if (scim::detail::iequals(d, domain)) return {};
    return fail(error_code::invalid_value, "userName: the email domain '" + domain +
                                               "' is not in this account's list of allowed domains");
  }

  static expected<void> check_group_name(const std::string& name) {
    if (is_builtin_group(name))
      return fail(error_code::invalid_value,
                  "displayName: '" + name +
                      "' is a built-in 1Password group; it cannot be created, renamed to, or managed through SCIM");
    return {};
  }

  // displayName and name.formatted from name, when absent (or always).
  static void derive_names(json& r, bool always) {
    const json* name = detail::member(r, "name");
    const std::string given = name != nullptr ? detail::string_member(*name, "givenName") : std::string();
    const std::string family = name != nullptr ? detail::string_member(*name, "familyName") : std::string();
    const std::string full = display_name(given, family);
    if (full.empty()) return;
    if (always || detail::string_member(r, "displayName").empty()) {
      detail::erase_member(r, "displayName");
      r["displayName"] = full;
    }
    if (name != nullptr && name->is_object() && (always || detail::string_member(*name, "formatted").empty())) {
      r["name"]["formatted"] = full;  // validated input: the key is spelled "name"
    }
  }

  options opts_;
};

/// Marks an invited user as joined (active), as when the person accepts the
/// 1Password invitation. Returns the user's state afterwards: an active user
/// stays active; a suspended user stays suspended (reactivation is the
/// identity provider's business). 404 for an unknown id.
template <store::resource_store Store>
expected<user_state> confirm_user(Store& store, const schema_registry& reg, std::string_view id) {
  const resource_type* users = reg.find_resource_type("User");
  if (users == nullptr) return fail(error::internal("confirm_user: the registry has no User resource type"));
  user_state after = user_state::invited;
  store::patch_function fn = [&](patch::document& doc) -> expected<patch::change_set> {
    after = state_of(doc.peek());
    if (after != user_state::invited) return patch::change_set{};
    patch::apply_options ao;
    ao.before_commit = [](const json&, const std::vector<std::string>&) -> expected<std::vector<patch::operation>> {
      std::vector<patch::operation> ops;
      ops.push_back(detail::replace_op(detail::state_path(), std::string(to_string(user_state::active))));
      return ops;
    };
    auto cs = patch::apply(doc, patch::request{}, *users, reg, ao);
    if (cs) after = user_state::active;
    return cs;
  };
  store::write_options w;
  w.returning.reset();
  auto done = store.patch(*users, id, fn, w);
  if (!done) return fail(std::move(done.error()));
  return after;
}

}  // namespace onepassword
SCIM_END_NAMESPACE
