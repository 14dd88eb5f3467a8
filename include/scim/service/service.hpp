// scimpp: the transport-agnostic SCIM service provider (RFC 7644).
//
//   scim::store::memory_store store(scim::default_registry());
//   scim::service::service svc(store, scim::default_registry(), {.base_path = "/scim/v2"});
//   scim::service::response res = svc.handle({"GET", "/scim/v2/Users", "count=10"});
//
// handle() is a pure function of the request and the store: it is safe to call
// from many threads at once (the store serialises what must be serialised).
//
// Routing. Every endpoint is served under service_options::base_path and at
// the root at once (`/scim/v2/Users` and `/Users`); path segments are
// percent-decoded, empty segments (a trailing or doubled slash) are ignored,
// endpoint names match case-insensitively. Endpoints:
//   /ServiceProviderConfig, /ResourceTypes[/{name}], /Schemas[/{urn}]   GET
//   /{endpoint}                  GET (list), POST (create)  for every registered resource type
//   /{endpoint}/.search          POST
//   /{endpoint}/{id}             GET, PUT, PATCH, DELETE
//   /.search                     POST (every resource type; index paging only)
//   /Bulk                        POST
//   /Me[...]                     as /Users/{id} of the user a me_resolver names; 501 without one
// An unknown route is 404, a known route with another method 405 (with
// Allow). Every error is a SCIM Error body (application/scim+json).
//
// Requests with a body must be application/scim+json or application/json
// (parameters such as charset allowed; a missing Content-Type is accepted),
// else 415. Bodies over limits::max_body_bytes are 413; malformed or too
// deep JSON is 400 invalidSyntax.
//
// Writes. POST validates the body (scim::validate, create_request: a
// client-supplied `id` and `meta` are ignored, the core schema must be in
// `schemas`, unknown extension URNs listed there are ignored), asks the policy,
// and creates: 201, Location, ETag and the resource. PUT validates against
// the stored resource (immutable attributes, readOnly ignored) and replaces:
// 200. PATCH runs the dialect's normalisers, the PatchOp parser and the
// atomic applier inside the store's write (scim::store::patch_function), so
// the If-Match check, the change and uniqueness are one atomic step and a
// membership change is pushed down as a change set: 200 with the resource,
// or 204 when service_options::patch_returns_resource is false. DELETE: 204.
// Responses honour `attributes`/`excludedAttributes` query parameters.
// `password` (returned never) never leaves.
//
// ETags: every single-resource response carries `ETag: <meta.version>`.
// If-Match (PUT, PATCH, DELETE) is checked by the store in its write (412 on
// mismatch, `*` matches anything); If-None-Match on GET answers 304 when it
// matches the current version.
//
// Listing: scim/query/list_params.hpp reads the parameters (GET query string
// or .search body), scim/query/sort.hpp compiles sortBy, the filter is
// compiled against the resource type (400 invalidFilter for anything it
// cannot evaluate, never "everything"), and the store pages. Cursor
// pagination (RFC 9865) wraps the store's positions with a
// query::cursor_codec: nextCursor and previousCursor are opaque and
// integrity-checked.
//
// Dialect: service_options::dialect, or detected per request from its headers
// (scim::patch::detect_dialect; lenient when nothing identifies the client).
// It selects the PATCH normalisers and the filter tolerances (Entra's
// unquoted values and "True"/"False" strings).
//
// Hooks (scim/service/hooks.hpp): authentication (401 with
// `WWW-Authenticate: Bearer`), events, policy, /Me.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "scim/config.hpp"
#include "scim/date_time.hpp"
#include "scim/detail/ascii.hpp"
#include "scim/error.hpp"
#include "scim/expected.hpp"
#include "scim/filter/evaluator.hpp"
#include "scim/filter/parser.hpp"
#include "scim/json.hpp"
#include "scim/patch/apply.hpp"
#include "scim/patch/dialect.hpp"
#include "scim/patch/normalize.hpp"
#include "scim/patch/operation.hpp"
#include "scim/query/cursor.hpp"
#include "scim/query/list_params.hpp"
#include "scim/query/projection.hpp"
#include "scim/query/sort.hpp"
#include "scim/schema/registry.hpp"
#include "scim/schema/schema_json.hpp"
#include "scim/schema/urns.hpp"
#include "scim/schema/validate.hpp"
#include "scim/service/bulk.hpp"
#include "scim/service/discovery.hpp"
#include "scim/service/hooks.hpp"
#include "scim/service/http.hpp"
#include "scim/store/concept.hpp"

SCIM_BEGIN_NAMESPACE
namespace service {

/// Size and shape limits, all with safe defaults.
struct service_limits {
  /// Largest request body (413 above). Bulk bodies are limited by bulk.max_payload_bytes.
  std::size_t max_body_bytes = 4u * 1024u * 1024u;
  /// Deepest JSON nesting accepted in a body.
  std::size_t max_json_depth = 64;
  /// Most operations in one PatchOp request (413 above).
  std::size_t max_patch_operations = 1000;
  /// Bulk: maxOperations and maxPayloadSize.
  bulk_limits bulk{};
};

/// What the PATCH response carries.
enum class patch_response { resource, no_content };

/// Configuration of a service.
struct service_options {
  /// The base path the service is mounted under; it is served at the root too.
  std::string base_path = "/scim/v2";
  /// Absolute URL of the SCIM base for meta.location and Location headers
  /// ("https://scim.example.com/scim/v2"). Empty: built from the request's
  /// Host header (scheme from X-Forwarded-Proto, else https) and base_path;
  /// without a Host header, locations are absolute paths.
  std::string public_url{};
  service_limits limits{};
  /// List parameters: max_count (filter.maxResults), default page size,
  /// filter parser limits, sort/cursor support.
  query::list_options list{};
  /// Whether /Bulk is served.
  bool bulk = true;
  patch_response patch_returns = patch_response::resource;
  /// Incoming attributes no schema defines.
  unknown_attribute_policy unknown_attributes = unknown_attribute_policy::drop;
  /// Forces a dialect; nullopt: detected per request.
  std::optional<patch::dialect> dialect{};
  /// Authentication; empty: every request is served.
  authenticator authenticate{};
  /// Endpoints served without authentication, by first path segment after
  /// the base ("ServiceProviderConfig", "ResourceTypes", "Schemas").
  std::vector<std::string> public_endpoints{};
  /// Resolves /Me; empty: 501.
  me_resolver me{};
  /// Receives events; may be empty.
  event_sink events{};
  /// The policy; nullptr: plain RFC behaviour.
  std::shared_ptr<policy> rules{};
  /// MAC for cursors; empty: the library's non-cryptographic keyed checksum
  /// with a random secret (see scim/query/cursor.hpp).
  query::mac_function cursor_mac{};
  std::chrono::seconds cursor_ttl{600};
  /// The time source (cursor expiry).
  std::function<instant()> clock{};
  std::string documentation_uri{};
  /// authenticationSchemes for ServiceProviderConfig; null: derived.
  json authentication_schemes = nullptr;
};

namespace detail {

inline int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Splits a path into percent-decoded, non-empty segments; nullopt on a
/// malformed escape or a NUL byte.
inline std::optional<std::vector<std::string>> split_path(std::string_view path) {
  std::vector<std::string> segs;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    std::size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    const std::string_view raw = path.substr(pos, slash - pos);
    if (!raw.empty()) {
      std::string seg;
      seg.reserve(raw.size());
      for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '%') {
          if (i + 2 >= raw.size()) return std::nullopt;
          const int hi = hex_digit(raw[i + 1]);
          const int lo = hex_digit(raw[i + 2]);
          if (hi < 0 || lo < 0) return std::nullopt;
          const char c = static_cast<char>(hi * 16 + lo);
          if (c == '\0') return std::nullopt;
          seg.push_back(c);
          i += 2;
        } else {
          seg.push_back(raw[i]);
        }
      }
      segs.push_back(std::move(seg));
    }
    pos = slash + 1;
  }
  return segs;
}

inline std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

}  // namespace detail

/// The service provider (see the top of this header).
template <store::resource_store Store>
class service {
 public:
  /// `store` and `reg` must outlive the service.
  service(Store& store, const schema_registry& reg, service_options opts = {})
      : store_(store), reg_(reg), opts_(std::move(opts)),
        codec_(opts_.cursor_mac ? opts_.cursor_mac : query::keyed_checksum(query::random_secret()),
               query::cursor_options{opts_.cursor_ttl, opts_.list.max_cursor_length}) {
    if (!opts_.rules) opts_.rules = std::make_shared<policy>();
    base_segments_ = detail::split_path(opts_.base_path).value_or(std::vector<std::string>{});
    for (const resource_type* rt : reg_.resource_types()) {
      std::string text = opts_.rules->visibility_filter(*rt);
      if (text.empty()) continue;
      auto f = filter::parse(text);
      if (!f) continue;  // a policy bug; nothing is hidden rather than everything
      auto p = filter::compile(*f, *rt, reg_);
      if (!p) continue;
      visibility_.push_back(visibility_rule{rt, std::move(text), std::move(*p)});
    }
  }

  const service_options& options() const noexcept { return opts_; }
  const schema_registry& registry() const noexcept { return reg_; }

  /// Serves one request.
  response handle(const request& req) const {
    call c;
    c.req = &req;
    c.method = detail::upper(req.method);
    std::string_view path = req.path;
    std::string_view query = req.query;
    if (const std::size_t q = path.find('?'); q != std::string_view::npos) {
      if (query.empty()) query = path.substr(q + 1);
      path = path.substr(0, q);
    }
    if (const std::size_t h = path.find('#'); h != std::string_view::npos) path = path.substr(0, h);
    c.query = query;
    auto segs = detail::split_path(path);
    if (!segs) return error_response(error(error_code::invalid_path, "the request path has a malformed %-escape"));
    c.segs = strip_base(std::move(*segs));
    c.dialect = opts_.dialect ? *opts_.dialect : patch::detect_dialect([&req](std::string_view n) {
      return req.header_value(n);
    });
    c.location_base = location_base(req);

    // Authentication.
    const bool is_public = !c.segs.empty() && std::any_of(opts_.public_endpoints.begin(), opts_.public_endpoints.end(),
                                                          [&](const std::string& e) {
                                                            return scim::detail::iequals(e, c.segs.front());
                                                          });
    if (opts_.authenticate && !is_public) {
      auto who = opts_.authenticate(req.header_value("Authorization"));
      if (!who) {
        response r = error_response(error::unauthorized("authentication required: send a valid bearer token"));
        r.set_header("WWW-Authenticate", "Bearer realm=\"SCIM\"");
        return r;
      }
      c.who = std::move(*who);
      c.authenticated = true;
    }

    // Body: media type, size, JSON.
    const bool takes_body = c.method == "POST" || c.method == "PUT" || c.method == "PATCH";
    if (takes_body) {
      if (auto ct = req.header_value("Content-Type"); ct && !ct->empty() && !is_scim_content_type(*ct))
        return error_response(error::unsupported_media_type(
            "Content-Type '" + std::string(ct->substr(0, 100)) +
            "' is not supported; send application/scim+json or application/json"));
      const bool is_bulk = c.segs.size() == 1 && scim::detail::iequals(c.segs[0], "Bulk");
      const std::size_t max = is_bulk ? opts_.limits.bulk.max_payload_bytes : opts_.limits.max_body_bytes;
      if (req.body.size() > max)
        return error_response(error::payload_too_large("the request body has " + std::to_string(req.body.size()) +
                                                       " bytes; the limit is " + std::to_string(max)));
      auto parsed = parse_json(req.body, json_limits{opts_.limits.max_json_depth, max});
      if (!parsed) return error_response(parsed.error());
      c.body = std::move(*parsed);
    }
    return dispatch(c);
  }

 private:
  // One request (or one Bulk operation) being served.
  struct call {
    const request* req = nullptr;
    std::string method;
    std::vector<std::string> segs;
    std::string_view query;
    json body;
    principal who;
    bool authenticated = false;
    patch::dialect dialect = patch::dialect::lenient;
    std::string location_base;
    /// Bulk: the operation's version, used instead of the If-Match header.
    std::optional<std::string> if_match_override;
    bool in_bulk = false;

    std::optional<std::string> if_match() const {
      if (if_match_override) return if_match_override;
      if (in_bulk || req == nullptr) return std::nullopt;
      if (auto h = req->header_value("If-Match")) return std::string(*h);
      return std::nullopt;
    }
    std::optional<std::string_view> header(std::string_view name) const {
      if (in_bulk || req == nullptr) return std::nullopt;
      return req->header_value(name);
    }
  };

  // ---- routing ----------------------------------------------------------------

  std::vector<std::string> strip_base(std::vector<std::string> segs) const {
    if (base_segments_.empty() || segs.size() < base_segments_.size()) return segs;
    for (std::size_t i = 0; i < base_segments_.size(); ++i)
      if (!scim::detail::iequals(segs[i], base_segments_[i])) return segs;
    segs.erase(segs.begin(), segs.begin() + static_cast<std::ptrdiff_t>(base_segments_.size()));
    return segs;
  }

  std::string location_base(const request& req) const {
    if (!opts_.public_url.empty()) {
      std::string s = opts_.public_url;
      while (!s.empty() && s.back() == '/') s.pop_back();
      return s;
    }
    std::string base;
    for (const auto& s : base_segments_) base += "/" + s;
    auto host = req.header_value("Host");
    if (!host || host->empty() || host->find_first_of(" /\\\"<>") != std::string_view::npos) return base;
    std::string scheme = "https";
    if (auto p = req.header_value("X-Forwarded-Proto"); p && (*p == "http" || *p == "https")) scheme = std::string(*p);
    return scheme + "://" + std::string(*host) + base;
  }

  static response method_not_allowed(std::string_view allow, std::string_view method) {
    response r = error_response(
        error::method_not_allowed("method " + std::string(method.substr(0, 20)) + " is not allowed here; allowed: " +
                                  std::string(allow)));
    r.set_header("Allow", std::string(allow));
    return r;
  }

  response dispatch(call& c) const {
    const auto& s = c.segs;
    if (s.empty())
      return error_response(error::not_found("no SCIM endpoint here; try " + opts_.base_path + "/Users"));
    const std::string& first = s[0];
    if (scim::detail::iequals(first, "ServiceProviderConfig")) {
      if (s.size() != 1) return not_found_route();
      if (c.method != "GET") return method_not_allowed("GET", c.method);
      if (auto f = reject_discovery_filter(c)) return *f;
      return json_response(200, service_provider_config(capabilities_of(), c.location_base));
    }
    if (scim::detail::iequals(first, "ResourceTypes")) {
      if (s.size() > 2) return not_found_route();
      if (c.method != "GET") return method_not_allowed("GET", c.method);
      if (auto f = reject_discovery_filter(c)) return *f;
      if (s.size() == 1) return json_response(200, resource_types_list(reg_, c.location_base));
      for (const resource_type* rt : reg_.resource_types())
        if (scim::detail::iequals(rt->name, s[1]) || scim::detail::iequals(rt->id, s[1]))
          return json_response(200, to_json_representation(*rt, c.location_base));
      return error_response(error::not_found("resource type '" + s[1] + "' not found"));
    }
    if (scim::detail::iequals(first, "Schemas")) {
      if (s.size() > 2) return not_found_route();
      if (c.method != "GET") return method_not_allowed("GET", c.method);
      if (auto f = reject_discovery_filter(c)) return *f;
      if (s.size() == 1) return json_response(200, schemas_list(reg_, c.location_base));
      if (const schema* sc = reg_.find_schema(s[1])) return json_response(200, to_json_representation(*sc, c.location_base));
      return error_response(error::not_found("schema '" + s[1] + "' not found"));
    }
    if (scim::detail::iequals(first, "Bulk")) {
      if (s.size() != 1) return not_found_route();
      if (!opts_.bulk) return error_response(error::not_implemented("Bulk is not supported by this service provider"));
      if (c.method != "POST") return method_not_allowed("POST", c.method);
      if (c.in_bulk) return error_response(error(error_code::invalid_path, "a Bulk operation cannot call /Bulk"));
      return bulk(c);
    }
    if (scim::detail::iequals(first, ".search")) {
      if (s.size() != 1) return not_found_route();
      if (c.method != "POST") return method_not_allowed("POST", c.method);
      return search(c, nullptr);
    }
    if (scim::detail::iequals(first, "Me")) return me(c);
    const resource_type* rt = reg_.find_resource_type_by_endpoint(first);
    if (rt == nullptr) return not_found_route();
    if (s.size() == 1) {
      if (c.method == "GET") return list(c, *rt);
      if (c.method == "POST") return create(c, *rt);
      return method_not_allowed("GET, POST", c.method);
    }
    if (s.size() == 2 && s[1] == ".search") {
      if (c.method != "POST") return method_not_allowed("POST", c.method);
      return search(c, rt);
    }
    if (s.size() != 2) return not_found_route();
    const std::string& id = s[1];
    if (c.method == "GET") return get(c, *rt, id);
    if (c.method == "PUT") return replace(c, *rt, id);
    if (c.method == "PATCH") return patch(c, *rt, id);
    if (c.method == "DELETE") return remove(c, *rt, id);
    return method_not_allowed("GET, PUT, PATCH, DELETE", c.method);
  }

  static response not_found_route() { return error_response(error::not_found("no such SCIM endpoint")); }

  std::optional<response> reject_discovery_filter(const call& c) const {
    auto params = query::parse_query_string(c.query);
    if (!params) return error_response(params.error());
    for (const auto& [k, v] : *params)
      if (scim::detail::iequals(k, "filter"))
        return error_response(error::forbidden("filtering is not supported on discovery endpoints"));
    return std::nullopt;
  }

  response me(call& c) const {
    if (!opts_.me) return error_response(error::not_implemented("/Me is not supported by this service provider"));
    if (!c.authenticated) return error_response(error::not_implemented("/Me needs an authenticated caller"));
    auto id = opts_.me(c.who);
    if (!id) return error_response(id.error());
    const resource_type* users = reg_.find_resource_type("User");
    if (users == nullptr) return error_response(error::not_implemented("/Me: no User resource type"));
    if (c.segs.size() != 1) return not_found_route();
    c.segs = {trim_endpoint(users->endpoint), *id};
    if (c.method == "POST") return error_response(error::not_implemented("creating /Me is not supported"));
    return dispatch(c);
  }

  static std::string trim_endpoint(std::string_view e) {
    while (!e.empty() && e.front() == '/') e.remove_prefix(1);
    while (!e.empty() && e.back() == '/') e.remove_suffix(1);
    return std::string(e);
  }

  // ---- responses --------------------------------------------------------------

  static response error_response(const error& e) {
    response r;
    r.status = e.status >= 400 && e.status <= 599 ? e.status : 500;
    error copy = e;
    copy.status = r.status;
    json body;
    to_json(body, copy);
    r.body = dump_json(body);
    r.set_header("Content-Type", std::string(scim_media_type));
    return r;
  }

  static response json_response(int status, const json& body) {
    response r;
    r.status = status;
    r.body = dump_json(body);
    r.set_header("Content-Type", std::string(scim_media_type));
    return r;
  }

  std::string location_of(const call& c, const resource_type& rt, std::string_view id) const {
    return c.location_base + "/" + trim_endpoint(rt.endpoint) + "/" + std::string(id);
  }

  /// Adds meta.location.
  void decorate(const call& c, const resource_type& rt, json& resource) const {
    if (!resource.is_object()) return;
    auto id = resource.find("id");
    if (id == resource.end() || !id->is_string()) return;
    json& meta = resource["meta"];
    if (!meta.is_object()) meta = json::object();
    meta["location"] = location_of(c, rt, id->get_ref<const std::string&>());
  }

  /// attributes / excludedAttributes of a single-resource request.
  expected<query::list_query> projection_params(const call& c) const {
    auto params = query::parse_query_string(c.query);
    if (!params) return fail(std::move(params.error()));
    query::list_query q;
    for (const auto& [k, v] : *params) {
      auto split = [](const std::string& s, std::vector<std::string>& out) {
        std::size_t pos = 0;
        while (pos <= s.size()) {
          std::size_t comma = s.find(',', pos);
          if (comma == std::string::npos) comma = s.size();
          std::string part = s.substr(pos, comma - pos);
          const auto b = part.find_first_not_of(" \t");
          const auto e = part.find_last_not_of(" \t");
          if (b != std::string::npos) out.push_back(part.substr(b, e - b + 1));
          pos = comma + 1;
        }
      };
      if (scim::detail::iequals(k, "attributes")) split(v, q.attributes);
      else if (scim::detail::iequals(k, "excludedAttributes")) split(v, q.excluded_attributes);
    }
    return q;
  }

  /// The projected representation of a stored resource, or an error response.
  expected<json> represent(const call& c, const resource_type& rt, json resource, const query::list_query& q) const {
    decorate(c, rt, resource);
    validation_options vo;
    vo.unknown_attributes = unknown_attribute_policy::keep;
    return query::project(resource, rt, reg_, q, vo);
  }

  response resource_response(const call& c, int status, const resource_type& rt, const store::stored_resource& s,
                             const query::list_query& q, bool with_location) const {
    auto body = represent(c, rt, s.resource, q);
    if (!body) return error_response(body.error());
    response r = json_response(status, *body);
    r.set_header("ETag", s.version);
    if (with_location) r.set_header("Location", location_of(c, rt, s.id));
    return r;
  }

  void emit(const call& c, event e) const {
    if (!opts_.events) return;
    e.subject = c.who.subject;
    opts_.events(e);
  }

  void emit_failure(const call& c, event_kind kind, const resource_type& rt, std::string id, const error& err) const {
    event e;
    e.kind = kind;
    e.resource_type = rt.name;
    e.id = std::move(id);
    e.failure = err;
    emit(c, std::move(e));
  }

  static const json* active_of(const json& r) {
    const json* a = detail::member_ci(r, "active");
    return a != nullptr && a->is_boolean() ? a : nullptr;
  }

  static std::string member_value(const json& m) {
    const json* v = detail::member_ci(m, "value");
    return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
  }

  write_context make_context(const call& c, const resource_type& rt, write_kind k, std::string id) const {
    write_context ctx{rt, k, std::move(id), c.req, c.authenticated ? &c.who : nullptr, json::object()};
    return ctx;
  }

  store::write_options write_opts(const call& c, const query::list_query& q, const resource_type& rt) const {
    store::write_options w;
    w.if_match = c.if_match();
    w.returning = query::plan_load(rt, reg_, q);
    return w;
  }

  /// Runs a policy follow-up after a successful write.
  void follow(const call& c, const resource_type& rt, write_context& ctx, const json& result) const {
    if (opts_.rules->after_write(ctx, result) != follow_up::remove) return;
    if (auto ok = store_.remove(rt, ctx.id, {})) {
      event e;
      e.kind = event_kind::deleted;
      e.resource_type = rt.name;
      e.id = ctx.id;
      emit(c, std::move(e));
    }
  }

  // ---- single resources -------------------------------------------------------

  response create(call& c, const resource_type& rt) const {
    auto q = projection_params(c);
    if (!q) return error_response(q.error());
    validation_options vo;
    vo.unknown_attributes = opts_.unknown_attributes;
    auto resource = validate(c.body, rt, reg_, validation_context::create_request, vo);
    if (!resource) {
      emit_failure(c, event_kind::created, rt, "", resource.error());
      return error_response(resource.error());
    }
    write_context ctx = make_context(c, rt, write_kind::create, "");
    if (auto ok = opts_.rules->prepare_create(ctx, *resource); !ok) {
      emit_failure(c, event_kind::created, rt, "", ok.error());
      return error_response(ok.error());
    }
    store::write_options w = write_opts(c, *q, rt);
    w.if_match.reset();
    w.returning = query::load_hint{};  // the policy's after_write sees the whole resource
    auto made = store_.create(rt, std::move(*resource), w);
    if (!made) {
      emit_failure(c, event_kind::created, rt, "", made.error());
      return error_response(made.error());
    }
    ctx.id = made->id;
    event e;
    e.kind = event_kind::created;
    e.resource_type = rt.name;
    e.id = made->id;
    emit(c, e);
    if (const json* members = detail::member_ci(made->resource, "members"); members != nullptr && members->is_array())
      for (const auto& m : *members) emit_member(c, rt, made->id, event_kind::member_added, member_value(m));
    response r = resource_response(c, 201, rt, *made, *q, true);
    follow(c, rt, ctx, made->resource);
    return r;
  }

  void emit_member(const call& c, const resource_type& rt, const std::string& id, event_kind k,
                   std::string member) const {
    if (member.empty()) return;
    event e;
    e.kind = k;
    e.resource_type = rt.name;
    e.id = id;
    e.member_id = std::move(member);
    emit(c, std::move(e));
  }

  response get(call& c, const resource_type& rt, const std::string& id) const {
    auto q = projection_params(c);
    if (!q) return error_response(q.error());
    store::read_options r;
    r.load = query::plan_load(rt, reg_, *q);
    if (visibility_of(rt) != nullptr) r.load = query::load_hint{};
    auto got = store_.get(rt, id, r);
    if (!got) return error_response(got.error());
    if (!visible(rt, got->resource)) return error_response(hidden(rt, id));
    if (auto inm = c.header("If-None-Match"); inm && store::if_match_satisfied(*inm, got->version)) {
      response nm;
      nm.status = 304;
      nm.set_header("ETag", got->version);
      return nm;
    }
    return resource_response(c, 200, rt, *got, *q, false);
  }

  response replace(call& c, const resource_type& rt, const std::string& id) const {
    auto q = projection_params(c);
    if (!q) return error_response(q.error());
    auto current = store_.get(rt, id, {});
    if (current && !visible(rt, current->resource)) current = fail(hidden(rt, id));
    if (!current) {
      emit_failure(c, event_kind::updated, rt, id, current.error());
      return error_response(current.error());
    }
    validation_options vo;
    vo.unknown_attributes = opts_.unknown_attributes;
    vo.existing = &current->resource;
    auto resource = validate(c.body, rt, reg_, validation_context::replace_request, vo);
    if (!resource) {
      emit_failure(c, event_kind::updated, rt, id, resource.error());
      return error_response(resource.error());
    }
    write_context ctx = make_context(c, rt, write_kind::replace, id);
    if (auto ok = opts_.rules->prepare_replace(ctx, current->resource, *resource); !ok) {
      emit_failure(c, event_kind::updated, rt, id, ok.error());
      return error_response(ok.error());
    }
    store::write_options w = write_opts(c, *q, rt);
    w.returning = query::load_hint{};
    auto done = store_.replace(rt, id, std::move(*resource), w);
    if (!done) {
      emit_failure(c, event_kind::updated, rt, id, done.error());
      return error_response(done.error());
    }
    // Events: the update, (de)activation, membership differences.
    const json* was = active_of(current->resource);
    const json* now = active_of(done->resource);
    event e;
    e.resource_type = rt.name;
    e.id = id;
    e.kind = event_kind::updated;
    if ((was == nullptr || was->get<bool>()) && now != nullptr && !now->get<bool>()) e.kind = event_kind::deactivated;
    else if (was != nullptr && !was->get<bool>() && (now == nullptr || now->get<bool>())) e.kind = event_kind::reactivated;
    emit(c, e);
    emit_member_diff(c, rt, id, current->resource, done->resource);
    response r = resource_response(c, 200, rt, *done, *q, false);
    follow(c, rt, ctx, done->resource);
    return r;
  }

  void emit_member_diff(const call& c, const resource_type& rt, const std::string& id, const json& before,
                        const json& after) const {
    if (!opts_.events) return;
    auto values = [](const json& r) {
      std::vector<std::string> out;
      if (const json* m = detail::member_ci(r, "members"); m != nullptr && m->is_array())
        for (const auto& v : *m)
          if (auto s = member_value(v); !s.empty()) out.push_back(std::move(s));
      std::sort(out.begin(), out.end());
      out.erase(std::unique(out.begin(), out.end()), out.end());
      return out;
    };
    const auto a = values(before);
    const auto b = values(after);
    std::vector<std::string> added, removed;
    std::set_difference(b.begin(), b.end(), a.begin(), a.end(), std::back_inserter(added));
    std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(removed));
    for (auto& m : removed) emit_member(c, rt, id, event_kind::member_removed, std::move(m));
    for (auto& m : added) emit_member(c, rt, id, event_kind::member_added, std::move(m));
  }

  response patch(call& c, const resource_type& rt, const std::string& id) const {
    auto q = projection_params(c);
    if (!q) return error_response(q.error());
    // Shallow checks before entering the store's write.
    if (const json* ops = detail::member_ci(c.body, "Operations");
        ops != nullptr && ops->is_array() && ops->size() > opts_.limits.max_patch_operations) {
      error err = error::payload_too_large("the PatchOp request has " + std::to_string(ops->size()) +
                                           " operations; the limit is " +
                                           std::to_string(opts_.limits.max_patch_operations));
      emit_failure(c, event_kind::updated, rt, id, err);
      return error_response(err);
    }
    write_context ctx = make_context(c, rt, write_kind::patch, id);
    const patch::dialect d = c.dialect;
    const patch::apply_options apply_opts = patch::apply_options_for(d);
    std::optional<bool> active_before, active_after;
    const json& body = c.body;
    policy& rules = *opts_.rules;
    const schema_registry& reg = reg_;
    const std::size_t max_ops = opts_.limits.max_patch_operations;
    store::patch_function fn = [&](patch::document& doc) -> expected<patch::change_set> {
      const json& current = doc.peek();
      if (!visible(rt, current)) return fail(hidden(rt, id));
      if (const json* a = active_of(current)) active_before = a->get<bool>();
      if (auto ok = rules.before_patch(ctx, current); !ok) return fail(std::move(ok.error()));
      auto normal = patch::normalize(body, current, rt, reg, d);
      if (!normal) return fail(std::move(normal.error()));
      patch::patch_limits limits;
      limits.max_operations = max_ops;
      auto parsed = patch::parse_patch_request(*normal, limits);
      if (!parsed) return fail(std::move(parsed.error()));
      patch::apply_options ao = apply_opts;
      ao.before_commit = [&](const json& patched, const std::vector<std::string>& changed) {
        return rules.after_patch(ctx, patched, changed);
      };
      auto cs = patch::apply(doc, *parsed, rt, reg, ao);
      if (!cs) return fail(std::move(cs.error()));
      if (const json* a = active_of(doc.peek())) active_after = a->get<bool>();
      return cs;
    };
    store::write_options w = write_opts(c, *q, rt);
    const bool no_content = opts_.patch_returns == patch_response::no_content;
    if (no_content) w.returning.reset();
    auto done = store_.patch(rt, id, fn, w);
    if (!done) {
      emit_failure(c, event_kind::updated, rt, id, done.error());
      return error_response(done.error());
    }
    const auto& cs = done->changes;
    if (!cs.empty()) {
      bool other = false;
      for (const auto& a : cs.attributes)
        if (!scim::detail::iequals(a, "members") && !scim::detail::iequals(a, "active")) other = true;
      const bool active_changed = active_before.value_or(true) != active_after.value_or(true);
      if (active_changed) {
        event e;
        e.resource_type = rt.name;
        e.id = id;
        e.kind = active_after.value_or(true) ? event_kind::reactivated : event_kind::deactivated;
        emit(c, std::move(e));
      }
      if (other || (!active_changed && std::none_of(cs.attributes.begin(), cs.attributes.end(), [](const auto& a) {
                      return scim::detail::iequals(a, "members");
                    }))) {
        event e;
        e.resource_type = rt.name;
        e.id = id;
        e.kind = event_kind::updated;
        emit(c, std::move(e));
      }
      if (const patch::value_delta* delta = cs.delta("members")) {
        for (const auto& m : delta->removed) emit_member(c, rt, id, event_kind::member_removed, member_value(m));
        for (const auto& m : delta->added) emit_member(c, rt, id, event_kind::member_added, member_value(m));
      }
    }
    response r;
    if (no_content) {
      r.status = 204;
      r.set_header("ETag", done->stored.version);
    } else {
      r = resource_response(c, 200, rt, done->stored, *q, false);
    }
    json result = json::object();
    if (active_after) result["active"] = *active_after;
    if (!no_content && done->stored.resource.is_object()) result = done->stored.resource;
    follow(c, rt, ctx, result);
    return r;
  }

  response remove(call& c, const resource_type& rt, const std::string& id) const {
    write_context ctx = make_context(c, rt, write_kind::remove, id);
    store::read_options ro;
    ro.load = opts_.rules->load_hint(rt);
    if (visibility_of(rt) != nullptr) ro.load = query::load_hint{};
    auto current = store_.get(rt, id, ro);
    if (current && !visible(rt, current->resource)) current = fail(hidden(rt, id));
    if (!current) {
      emit_failure(c, event_kind::deleted, rt, id, current.error());
      return error_response(current.error());
    }
    if (auto ok = opts_.rules->prepare_remove(ctx, current->resource); !ok) {
      emit_failure(c, event_kind::deleted, rt, id, ok.error());
      return error_response(ok.error());
    }
    store::write_options w;
    w.if_match = c.if_match();
    w.returning.reset();
    if (auto ok = store_.remove(rt, id, w); !ok) {
      emit_failure(c, event_kind::deleted, rt, id, ok.error());
      return error_response(ok.error());
    }
    event e;
    e.kind = event_kind::deleted;
    e.resource_type = rt.name;
    e.id = id;
    emit(c, std::move(e));
    response r;
    r.status = 204;
    return r;
  }

  // ---- listing ----------------------------------------------------------------

  query::list_options list_options_for(const call& c) const {
    query::list_options lo = opts_.list;
    lo.filter_options.allow_unquoted_values =
        lo.filter_options.allow_unquoted_values || patch::allows_unquoted_filter_values(c.dialect);
    lo.filter_options.allow_value_path_sub_attribute = lo.filter_options.allow_value_path_sub_attribute ||
                                                       patch::allows_value_path_sub_attribute_in_filters(c.dialect);
    return lo;
  }

  filter::compile_options compile_options_for(const call& c) const {
    filter::compile_options co;
    co.allow_string_booleans = patch::allows_string_booleans_in_filters(c.dialect);
    return co;
  }

  instant now() const { return opts_.clock ? opts_.clock() : scim::now(); }

  response list(call& c, const resource_type& rt) const {
    auto q = query::parse_list_query_string(c.query, list_options_for(c));
    if (!q) return error_response(q.error());
    return run_query(c, rt, *q);
  }

  response search(call& c, const resource_type* rt) const {
    auto q = query::parse_search_request(c.body, list_options_for(c));
    if (!q) return error_response(q.error());
    if (rt != nullptr) return run_query(c, *rt, *q);
    return run_root_query(c, *q);
  }

  response run_query(const call& c, const resource_type& rt, const query::list_query& q) const {
    auto sort = query::compile_sort(q, rt, reg_);
    if (!sort) return error_response(sort.error());
    std::optional<filter::predicate> pred;
    if (q.filter) {
      auto p = filter::compile(*q.filter, rt, reg_, compile_options_for(c));
      if (!p) return error_response(p.error());
      pred.emplace(std::move(*p));
    }
    auto eff = effective_filter(c, rt, q);
    if (!eff) return error_response(eff.error());
    if (*eff && visibility_of(rt) != nullptr) {
      auto p = filter::compile(**eff, rt, reg_, compile_options_for(c));
      if (!p) return error_response(p.error());
      pred.emplace(std::move(*p));
    }
    store::query_request sq;
    sq.filter = *eff ? &**eff : nullptr;
    sq.predicate = pred ? &*pred : nullptr;
    sq.sort = *sort ? &**sort : nullptr;
    sq.start_index = q.start_index;
    sq.count = query::effective_count(q, opts_.list);
    sq.load = query::plan_load(rt, reg_, q);
    const std::uint64_t fp = query::query_fingerprint(q);
    if (q.cursor) {
      if (q.cursor->empty()) {
        sq.cursor_position = std::string();
      } else {
        auto st = codec_.open(*q.cursor, fp, now());
        if (!st) return error_response(st.error());
        sq.cursor_position = std::move(st->position);
      }
    }
    auto result = store_.query(rt, sq);
    if (!result) return error_response(result.error());
    json resources = json::array();
    for (auto& r : result->resources) {
      auto body = represent(c, rt, std::move(r), q);
      if (!body) return error_response(body.error());
      resources.push_back(std::move(*body));
    }
    json out = json::object();
    out["schemas"] = json::array({std::string(urn::list_response)});
    out["totalResults"] = result->total_results;
    out["itemsPerPage"] = resources.size();
    if (!q.cursor) out["startIndex"] = q.start_index;
    if (q.cursor && result->next_position) out["nextCursor"] = codec_.issue(*result->next_position, fp, now());
    if (q.cursor && result->previous_position)
      out["previousCursor"] = codec_.issue(*result->previous_position, fp, now());
    out["Resources"] = std::move(resources);
    return json_response(200, out);
  }

  // POST /.search: every resource type the filter applies to, index paging.
  response run_root_query(const call& c, const query::list_query& q) const {
    if (q.cursor)
      return error_response(error(error_code::invalid_value,
                                  "cursor: cursor pagination is not supported for a search across resource types"));
    if (q.sort_by)
      return error_response(error(error_code::invalid_value,
                                  "sortBy: sorting is not supported for a search across resource types"));
    std::vector<std::pair<const resource_type*, json>> all;
    std::int64_t total = 0;
    std::optional<error> first_error;
    bool any = false;
    for (const resource_type* rt : reg_.resource_types()) {
      std::optional<filter::predicate> pred;
      if (q.filter) {
        filter::compile_options co = compile_options_for(c);
        co.unknown_attributes = filter::unknown_attribute_policy::no_match;
        auto p = filter::compile(*q.filter, *rt, reg_, co);
        if (!p) {
          if (!first_error) first_error = p.error();
          continue;
        }
        pred.emplace(std::move(*p));
      }
      any = true;
      auto eff = effective_filter(c, *rt, q);
      if (!eff) return error_response(eff.error());
      if (*eff && visibility_of(*rt) != nullptr) {
        filter::compile_options co = compile_options_for(c);
        co.unknown_attributes = filter::unknown_attribute_policy::no_match;
        auto p = filter::compile(**eff, *rt, reg_, co);
        if (!p) return error_response(p.error());
        pred.emplace(std::move(*p));
      }
      store::query_request sq;
      sq.filter = *eff ? &**eff : nullptr;
      sq.predicate = pred ? &*pred : nullptr;
      sq.load = query::plan_load(*rt, reg_, q);
      auto result = store_.query(*rt, sq);
      if (!result) return error_response(result.error());
      total += result->total_results;
      for (auto& r : result->resources) all.emplace_back(rt, std::move(r));
    }
    if (!any && first_error) return error_response(*first_error);
    const std::int64_t count = query::effective_count(q, opts_.list);
    const std::size_t begin = static_cast<std::uint64_t>(q.start_index - 1) >= all.size()
                                  ? all.size()
                                  : static_cast<std::size_t>(q.start_index - 1);
    const std::size_t n = std::min(all.size() - begin, static_cast<std::size_t>(count < 0 ? 0 : count));
    json resources = json::array();
    for (std::size_t i = begin; i < begin + n; ++i) {
      auto body = represent(c, *all[i].first, std::move(all[i].second), q);
      if (!body) return error_response(body.error());
      resources.push_back(std::move(*body));
    }
    json out = json::object();
    out["schemas"] = json::array({std::string(urn::list_response)});
    out["totalResults"] = total;
    out["itemsPerPage"] = resources.size();
    out["startIndex"] = q.start_index;
    out["Resources"] = std::move(resources);
    return json_response(200, out);
  }

  // ---- bulk -------------------------------------------------------------------

  response bulk(call& c) const {
    auto req = parse_bulk_request(c.body, opts_.limits.bulk);
    if (!req) return error_response(req.error());
    const bulk_plan plan = plan_bulk(*req);
    std::unordered_map<std::size_t, const error*> rejected;
    for (const auto& [i, e] : plan.rejected) rejected.emplace(i, &e);
    std::unordered_map<std::string, std::string> resolved;  // bulkId -> id
    std::vector<json> results(req->operations.size());
    std::vector<bool> ran(req->operations.size(), false);
    std::int64_t errors = 0;
    for (const std::size_t i : plan.order) {
      if (req->fail_on_errors && errors >= *req->fail_on_errors) break;
      const bulk_operation& op = req->operations[i];
      json result = json::object();
      result["method"] = op.method.empty() ? json("") : json(op.method);
      if (op.bulk_id) result["bulkId"] = *op.bulk_id;
      std::optional<error> problem = op.problem;
      if (!problem) {
        if (auto it = rejected.find(i); it != rejected.end()) problem = *it->second;
      }
      response r;
      std::string path = op.path;
      json data = op.data;
      if (!problem) {
        if (auto missing = substitute_bulk_ids(path, resolved))
          problem = error(409, error_code::invalid_value,
                          "Operations[" + std::to_string(i) + "]: bulkId '" + *missing +
                              "' refers to an operation that failed");
        else if (auto missing2 = substitute_bulk_ids(data, resolved))
          problem = error(409, error_code::invalid_value,
                          "Operations[" + std::to_string(i) + "]: bulkId '" + *missing2 +
                              "' refers to an operation that failed");
      }
      if (!problem) {
        call sub;
        sub.req = c.req;
        sub.method = op.method;
        auto segs = detail::split_path(path);
        if (!segs) {
          problem = error(error_code::invalid_path, "Operations[" + std::to_string(i) + "]: malformed path");
        } else {
          sub.segs = std::move(*segs);
          if (sub.segs.size() > 2 || sub.segs.empty() ||
              reg_.find_resource_type_by_endpoint(sub.segs[0]) == nullptr) {
            problem = error(error_code::invalid_path, "Operations[" + std::to_string(i) + "]: path '" + op.path +
                                                          "' does not name a resource or resource collection");
          } else if (op.method == "POST" ? sub.segs.size() != 1 : sub.segs.size() != 2) {
            problem = error(error_code::invalid_path,
                            "Operations[" + std::to_string(i) + "]: " + op.method +
                                (op.method == "POST" ? " needs a collection path such as /Users"
                                                     : " needs a resource path such as /Users/{id}"));
          }
        }
        if (!problem) {
          sub.body = std::move(data);
          sub.who = c.who;
          sub.authenticated = c.authenticated;
          sub.dialect = c.dialect;
          sub.location_base = c.location_base;
          sub.in_bulk = true;
          sub.if_match_override = op.version;
          r = dispatch(sub);
        }
      }
      if (problem) {
        error e = *problem;
        if (e.status < 400) e.status = 400;
        r = error_response(e);
      }
      ran[i] = true;
      result["status"] = std::to_string(r.status);
      if (auto loc = r.header_value("Location")) result["location"] = std::string(*loc);
      if (auto etag = r.header_value("ETag")) result["version"] = std::string(*etag);
      if (r.status >= 400) {
        ++errors;
        auto body = parse_json(r.body);
        if (body) result["response"] = std::move(*body);
      } else if (op.method == "POST" && op.bulk_id) {
        auto body = parse_json(r.body);
        if (body && body->is_object())
          if (auto id = body->find("id"); id != body->end() && id->is_string()) resolved[*op.bulk_id] = id->get<std::string>();
      }
      if (result.find("location") == result.end() && r.status < 400 && op.method != "POST") {
        // RFC 7644: location is the resource's URL for every successful operation.
        std::string p = op.path;
        substitute_bulk_ids(p, resolved);
        result["location"] = c.location_base + p;
      }
      results[i] = std::move(result);
    }
    json ops = json::array();
    for (std::size_t i = 0; i < results.size(); ++i)
      if (ran[i]) ops.push_back(std::move(results[i]));
    json out = json::object();
    out["schemas"] = json::array({std::string(urn::bulk_response)});
    out["Operations"] = std::move(ops);
    return json_response(200, out);
  }

  capabilities capabilities_of() const {
    capabilities cap;
    cap.bulk = opts_.bulk;
    cap.bulk_max_operations = opts_.limits.bulk.max_operations;
    cap.bulk_max_payload_bytes = opts_.limits.bulk.max_payload_bytes;
    cap.filter_max_results = opts_.list.max_count;
    cap.sort = opts_.list.allow_sort;
    cap.cursor = opts_.list.allow_cursor;
    cap.default_page_size = opts_.list.default_count.value_or(opts_.list.max_count);
    cap.cursor_timeout = opts_.cursor_ttl;
    cap.documentation_uri = opts_.documentation_uri;
    cap.authentication_schemes = opts_.authentication_schemes;
    cap.bearer = static_cast<bool>(opts_.authenticate);
    return cap;
  }

  struct visibility_rule {
    const resource_type* type;
    std::string text;
    filter::predicate pred;
  };

  const visibility_rule* visibility_of(const resource_type& rt) const {
    for (const auto& v : visibility_)
      if (v.type == &rt || scim::detail::iequals(v.type->name, rt.name)) return &v;
    return nullptr;
  }

  /// Whether a stored resource is visible to clients.
  bool visible(const resource_type& rt, const json& resource) const {
    const visibility_rule* v = visibility_of(rt);
    return v == nullptr || v->pred.matches(resource);
  }

  static error hidden(const resource_type& rt, std::string_view id) {
    return error::not_found(rt.name + " '" + std::string(id) + "' not found");
  }

  /// The client's filter ANDed with the policy's visibility filter.
  expected<std::optional<filter::filter>> effective_filter(const call& c, const resource_type& rt,
                                                          const query::list_query& q) const {
    const visibility_rule* v = visibility_of(rt);
    if (v == nullptr) return q.filter;
    filter::parse_options po = list_options_for(c).filter_options;
    po.max_length += v->text.size() + 16;
    po.max_depth += 2;
    po.max_nodes += v->text.size();
    const std::string text = q.filter_text ? "(" + *q.filter_text + ") and (" + v->text + ")" : v->text;
    auto f = filter::parse(text, po);
    if (!f) return fail(std::move(f.error()));
    return std::optional<filter::filter>(std::move(*f));
  }

  std::vector<visibility_rule> visibility_;
  Store& store_;
  const schema_registry& reg_;
  service_options opts_;
  query::cursor_codec codec_;
  std::vector<std::string> base_segments_;
};

}  // namespace service
SCIM_END_NAMESPACE
