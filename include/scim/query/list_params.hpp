// scimpp: list parameters (RFC 7644 sections 3.4.2, 3.4.3, 3.9; RFC 9865)
// read from a URL query string or from a POST `.search` body.
//
//   auto params = scim::query::parse_query_string("filter=userName+eq+%22bjensen%22&count=10");
//   auto q = scim::query::parse_list_query(*params);            // GET /Users?...
//   auto s = scim::query::parse_search_request(body_json);      // POST /Users/.search
//   auto t = scim::query::parse_search_request_text(body_text); // the same from text
//
// Query strings (parse_query_string): a leading '?' is skipped; parameters
// are separated by '&'; the first '=' splits key and value (a key without '='
// has the empty value, so `?cursor` asks for the first cursor page); '+' is a
// space and %XX a byte, in keys and values; a '%' not followed by two hex
// digits, or a decoded NUL byte, is 400 invalidSyntax with the offset into the
// raw text. Empty segments (`a=1&&b=2`) and empty keys are skipped.
//
// Parameters (parse_list_query / parse_search_request). Names are matched
// case-insensitively (the Entra validator sends `Filter`, `StartIndex`);
// unknown names are ignored, so applications may add their own.
//   filter              parsed with scim::filter::parse (400 invalidFilter with
//                       the position); an empty or blank filter means none.
//   sortBy              an attribute path (scim/path.hpp grammar, URN-qualified
//                       allowed; no filters): a malformed path is 400
//                       invalidValue. Whether the attribute exists and can be
//                       sorted on is decided against the schema by
//                       query::compile_sort (scim/query/sort.hpp): an
//                       unsupported sortBy is 400 invalidValue, never ignored.
//                       When list_options::allow_sort is false, any sortBy is
//                       400 invalidValue ("sorting is not supported").
//   sortOrder           "ascending" | "descending", case-insensitive; anything
//                       else is 400 invalidValue. Default ascending; without
//                       sortBy it has no effect.
//   startIndex          an integer; values < 1 are read as 1 (RFC 7644
//                       section 3.4.2.4). Not an integer: 400 invalidValue.
//   count               an integer; negative is read as 0, values above
//                       list_options::max_count are capped. Absent: the
//                       service's default (effective_count()). Not an integer:
//                       400 invalidValue.
//   attributes,         comma-separated attribute paths (query string) or an
//   excludedAttributes  array of strings (search body; a comma-separated string
//                       is accepted too). Blank entries are skipped; each path
//                       must be syntactically valid (400 invalidValue);
//                       whether it exists is the projection's business (an
//                       unknown attribute is ignored there, see
//                       scim/schema/validate.hpp). A repeated query parameter
//                       appends to the list.
//   cursor              RFC 9865: an opaque token; the empty value asks for the
//                       first page. Given together with startIndex: 400
//                       invalidValue. When list_options::allow_cursor is false,
//                       400 invalidValue. Longer than max_cursor_length: 400
//                       invalidCursor.
// Any other repeated parameter (`filter=a&filter=b`) is 400 invalidValue:
// guessing which one the client meant is worse than saying no.
//
// Search bodies: a JSON object whose `schemas` lists
// urn:ietf:params:scim:api:messages:2.0:SearchRequest (400 invalidSyntax
// otherwise, unless list_options::require_search_schema is false); member
// names are case-insensitive; two names that differ only in case are 400
// invalidSyntax; a member whose value is null is absent; startIndex/count
// must be JSON integers (400 invalidValue otherwise, also for "10" and 10.5).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scim/config.hpp"
#include "scim/detail/ascii.hpp"
#include "scim/error.hpp"
#include "scim/expected.hpp"
#include "scim/filter/ast.hpp"
#include "scim/filter/parser.hpp"
#include "scim/json.hpp"
#include "scim/path.hpp"
#include "scim/schema/urns.hpp"

SCIM_BEGIN_NAMESPACE
namespace query {

/// RFC 7644 section 3.4.2.3 sortOrder.
enum class sort_order { ascending, descending };

constexpr std::string_view to_string(sort_order o) noexcept {
  return o == sort_order::descending ? "descending" : "ascending";
}

/// Decoded URL query parameters, in order of appearance for equal keys.
using query_parameters = std::multimap<std::string, std::string>;

/// Limits applied by parse_query_string.
struct query_string_limits {
  /// Maximum raw length in bytes.
  std::size_t max_bytes = 256 * 1024;
  /// Maximum number of parameters.
  std::size_t max_parameters = 256;
};

/// What a service supports and allows when reading list parameters.
struct list_options {
  /// Upper bound for `count` (ServiceProviderConfig filter.maxResults).
  std::int64_t max_count = 1000;
  /// Page size when `count` is absent; nullopt means max_count.
  std::optional<std::int64_t> default_count{};
  /// Limits for the filter parser.
  filter::parse_options filter_options{};
  /// Maximum number of paths in `attributes` plus `excludedAttributes`.
  std::size_t max_attribute_paths = 256;
  /// Maximum length of a `cursor` value (RFC 9865).
  std::size_t max_cursor_length = 4096;
  /// Whether sortBy is supported (ServiceProviderConfig sort.supported).
  bool allow_sort = true;
  /// Whether cursor pagination (RFC 9865) is supported.
  bool allow_cursor = true;
  /// Whether a search body must list the SearchRequest schema.
  bool require_search_schema = true;
};

/// The list parameters of a query (GET with parameters, or POST .search).
struct list_query {
  /// The filter text as received (nullopt when absent or blank).
  std::optional<std::string> filter_text{};
  /// The parsed filter (present exactly when filter_text is).
  std::optional<filter::filter> filter{};
  /// The sortBy attribute path as received (syntax checked), or nullopt.
  std::optional<std::string> sort_by{};
  sort_order order = sort_order::ascending;
  /// 1-based index of the first result (index pagination); >= 1.
  std::int64_t start_index = 1;
  /// Whether startIndex was given (a ListResponse echoes it back in index mode).
  bool start_index_given = false;
  /// Requested page size, already clamped to [0, max_count]; nullopt when absent.
  std::optional<std::int64_t> count{};
  std::vector<std::string> attributes{};
  std::vector<std::string> excluded_attributes{};
  /// RFC 9865 cursor: nullopt = index pagination; "" = first cursor page.
  std::optional<std::string> cursor{};

  /// Whether the client asked for cursor pagination.
  bool uses_cursor() const noexcept { return cursor.has_value(); }
};

/// The page size to use: `count` when given, else the default.
inline std::int64_t effective_count(const list_query& q, const list_options& opts = {}) noexcept {
  const std::int64_t max = opts.max_count < 0 ? 0 : opts.max_count;
  if (q.count) return *q.count > max ? max : *q.count;
  std::int64_t d = opts.default_count.value_or(max);
  if (d < 0) d = 0;
  return d > max ? max : d;
}

namespace detail {

constexpr int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Decodes one key or value; `base` is its offset in `raw` (for errors).
inline expected<std::string> url_decode(std::string_view part, std::size_t base, std::string_view raw) {
  std::string out;
  out.reserve(part.size());
  for (std::size_t i = 0; i < part.size(); ++i) {
    const char c = part[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      const int hi = i + 1 < part.size() ? hex_value(part[i + 1]) : -1;
      const int lo = i + 2 < part.size() ? hex_value(part[i + 2]) : -1;
      if (hi < 0 || lo < 0)
        return fail(
            error(error_code::invalid_syntax,
                  "malformed percent-encoding in the query string: '%' must be followed by two hex digits")
                .at(base + i, raw));
      const int byte = hi * 16 + lo;
      if (byte == 0)
        return fail(error(error_code::invalid_syntax, "the query string contains an encoded NUL byte (%00)")
                        .at(base + i, raw));
      out.push_back(static_cast<char>(static_cast<unsigned char>(byte)));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

/// Parses an optionally signed decimal integer, saturating at the int64
/// range. nullopt when `s` is not `-?[0-9]+`.
constexpr std::optional<std::int64_t> parse_integer(std::string_view s) noexcept {
  bool negative = false;
  std::size_t i = 0;
  if (!s.empty() && s[0] == '-') {
    negative = true;
    i = 1;
  }
  if (i >= s.size()) return std::nullopt;
  constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
  std::int64_t v = 0;
  bool saturated = false;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    const int d = s[i] - '0';
    if (!saturated) {
      if (v > (max - d) / 10)
        saturated = true;
      else
        v = v * 10 + d;
    }
  }
  if (saturated) return negative ? std::numeric_limits<std::int64_t>::min() : max;
  return negative ? -v : v;
}

constexpr std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

inline const char* value_type_name(const json& j) noexcept {
  switch (j.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "an integer";
    case json::value_t::number_float:
      return "a number";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    default:
      return "a value";
  }
}

inline std::string excerpt(std::string_view s) {
  constexpr std::size_t max = 60;
  std::string out(s.substr(0, max));
  if (s.size() > max) out.append(3, '.');
  return out;
}

/// The parameters a list query knows; `none` for the others.
enum class param {
  none,
  filter,
  sort_by,
  sort_order,
  start_index,
  count,
  attributes,
  excluded_attributes,
  cursor
};

constexpr param classify(std::string_view key) noexcept {
  using scim::detail::iequals;
  if (iequals(key, "filter")) return param::filter;
  if (iequals(key, "sortBy")) return param::sort_by;
  if (iequals(key, "sortOrder")) return param::sort_order;
  if (iequals(key, "startIndex")) return param::start_index;
  if (iequals(key, "count")) return param::count;
  if (iequals(key, "attributes")) return param::attributes;
  if (iequals(key, "excludedAttributes")) return param::excluded_attributes;
  if (iequals(key, "cursor")) return param::cursor;
  return param::none;
}

constexpr std::string_view canonical_name(param p) noexcept {
  switch (p) {
    case param::filter:
      return "filter";
    case param::sort_by:
      return "sortBy";
    case param::sort_order:
      return "sortOrder";
    case param::start_index:
      return "startIndex";
    case param::count:
      return "count";
    case param::attributes:
      return "attributes";
    case param::excluded_attributes:
      return "excludedAttributes";
    case param::cursor:
      return "cursor";
    case param::none:
      break;
  }
  return "";
}

/// Builds a list_query one parameter at a time, then checks combinations.
class list_query_builder {
 public:
  explicit list_query_builder(const list_options& opts) : opts_(opts) {}

  /// Records one parameter given as text (query string). Repeated single
  /// parameters are 400 invalidValue; attributes lists accumulate.
  std::optional<error> text(param p, std::string_view value) {
    if (p == param::none) return std::nullopt;
    if (p != param::attributes && p != param::excluded_attributes) {
      const auto bit = 1u << static_cast<unsigned>(p);
      if ((seen_ & bit) != 0)
        return error(error_code::invalid_value,
                     std::string(canonical_name(p)) + ": the parameter is given more than once");
      seen_ |= bit;
    }
    switch (p) {
      case param::filter:
        return set_filter(value);
      case param::sort_by:
        return set_sort_by(value);
      case param::sort_order:
        return set_sort_order(value);
      case param::start_index: {
        const auto v = parse_integer(value);
        if (!v)
          return error(error_code::invalid_value,
                       "startIndex: expected an integer, got '" + excerpt(value) + "'");
        return set_start_index(*v);
      }
      case param::count: {
        const auto v = parse_integer(value);
        if (!v)
          return error(error_code::invalid_value, "count: expected an integer, got '" + excerpt(value) + "'");
        return set_count(*v);
      }
      case param::attributes:
        return add_paths(value, q_.attributes, "attributes");
      case param::excluded_attributes:
        return add_paths(value, q_.excluded_attributes, "excludedAttributes");
      case param::cursor:
        return set_cursor(value);
      case param::none:
        break;
    }
    return std::nullopt;
  }

  std::optional<error> set_filter(std::string_view value) {
    if (trim(value).empty()) return std::nullopt;
    auto f = filter::parse(value, opts_.filter_options);
    if (!f) return std::move(f.error());
    q_.filter_text.emplace(value);
    q_.filter.emplace(std::move(*f));
    return std::nullopt;
  }

  std::optional<error> set_sort_by(std::string_view value) {
    const std::string_view v = trim(value);
    if (v.empty())
      return error(error_code::invalid_value, "sortBy: expected an attribute path, got an empty value");
    if (!opts_.allow_sort)
      return error(error_code::invalid_value, "sortBy: sorting is not supported by this service provider");
    auto p = parse_attribute_path_view(v);
    if (!p) {
      error e(error_code::invalid_value, "sortBy: " + p.error().detail);
      e.position = p.error().position;
      e.input.assign(v.data(), v.size());
      return e;
    }
    q_.sort_by.emplace(v);
    return std::nullopt;
  }

  std::optional<error> set_sort_order(std::string_view value) {
    const std::string_view v = trim(value);
    if (scim::detail::iequals(v, "ascending")) {
      q_.order = sort_order::ascending;
    } else if (scim::detail::iequals(v, "descending")) {
      q_.order = sort_order::descending;
    } else {
      return error(error_code::invalid_value,
                   "sortOrder: expected 'ascending' or 'descending', got '" + excerpt(value) + "'");
    }
    return std::nullopt;
  }

  std::optional<error> set_start_index(std::int64_t v) {
    q_.start_index = v < 1 ? 1 : v;
    q_.start_index_given = true;
    return std::nullopt;
  }

  std::optional<error> set_count(std::int64_t v) {
    const std::int64_t max = opts_.max_count < 0 ? 0 : opts_.max_count;
    q_.count = v < 0 ? 0 : (v > max ? max : v);
    return std::nullopt;
  }

  std::optional<error> set_cursor(std::string_view value) {
    if (!opts_.allow_cursor)
      return error(error_code::invalid_value,
                   "cursor: cursor pagination is not supported by this service provider");
    if (value.size() > opts_.max_cursor_length)
      return error(error_code::invalid_cursor,
                   "cursor: the value is longer than " + std::to_string(opts_.max_cursor_length) + " bytes");
    q_.cursor.emplace(value);
    return std::nullopt;
  }

  /// Adds comma-separated paths.
  std::optional<error> add_paths(std::string_view list, std::vector<std::string>& out,
                                 std::string_view name) {
    std::size_t start = 0;
    while (start <= list.size()) {
      std::size_t comma = list.find(',', start);
      if (comma == std::string_view::npos) comma = list.size();
      if (auto err = add_path(list.substr(start, comma - start), out, name)) return err;
      start = comma + 1;
    }
    return std::nullopt;
  }

  std::optional<error> add_path(std::string_view raw, std::vector<std::string>& out, std::string_view name) {
    const std::string_view p = trim(raw);
    if (p.empty()) return std::nullopt;
    if (++paths_ > opts_.max_attribute_paths)
      return error(error_code::invalid_value, std::string(name) + ": more than " +
                                                  std::to_string(opts_.max_attribute_paths) +
                                                  " attribute paths");
    auto parsed = parse_attribute_path_view(p);
    if (!parsed) {
      error e(error_code::invalid_value,
              std::string(name) + ": '" + excerpt(p) + "': " + parsed.error().detail);
      e.position = parsed.error().position;
      e.input.assign(p.data(), p.size());
      return e;
    }
    out.emplace_back(p);
    return std::nullopt;
  }

  /// Checks combinations and hands the result out.
  expected<list_query> finish() && {
    if (q_.cursor && q_.start_index_given)
      return fail(
          error_code::invalid_value,
          "startIndex and cursor cannot be combined: use startIndex for index pagination or cursor for "
          "cursor pagination (RFC 9865)");
    return std::move(q_);
  }

 private:
  const list_options& opts_;
  list_query q_;
  unsigned seen_ = 0;
  std::size_t paths_ = 0;
};

}  // namespace detail

/// Splits and decodes a URL query string (see the top of this header).
inline expected<query_parameters> parse_query_string(std::string_view raw,
                                                     const query_string_limits& limits = {}) {
  if (raw.size() > limits.max_bytes)
    return fail(error_code::invalid_syntax,
                "the query string is longer than " + std::to_string(limits.max_bytes) + " bytes");
  query_parameters out;
  std::size_t pos = 0;
  if (!raw.empty() && raw[0] == '?') pos = 1;
  std::size_t count = 0;
  while (pos <= raw.size()) {
    std::size_t amp = raw.find('&', pos);
    if (amp == std::string_view::npos) amp = raw.size();
    const std::string_view seg = raw.substr(pos, amp - pos);
    if (!seg.empty()) {
      const std::size_t eq = seg.find('=');
      const std::string_view k = seg.substr(0, eq);
      const std::string_view v = eq == std::string_view::npos ? std::string_view{} : seg.substr(eq + 1);
      auto key = detail::url_decode(k, pos, raw);
      if (!key) return fail(std::move(key.error()));
      auto value = detail::url_decode(v, eq == std::string_view::npos ? pos + seg.size() : pos + eq + 1, raw);
      if (!value) return fail(std::move(value.error()));
      if (!key->empty()) {
        if (++count > limits.max_parameters)
          return fail(error_code::invalid_syntax, "the query string has more than " +
                                                      std::to_string(limits.max_parameters) + " parameters");
        out.emplace(std::move(*key), std::move(*value));
      }
    }
    pos = amp + 1;
  }
  return out;
}

/// Reads list parameters from decoded query parameters: any range of pairs
/// whose `first` and `second` convert to std::string_view (query_parameters,
/// std::map, a vector of pairs, an HTTP library's multimap).
template <class Params>
requires requires(const Params& p) {
  {std::string_view(p.begin()->first)};
  {std::string_view(p.begin()->second)};
}
expected<list_query> parse_list_query(const Params& params, const list_options& opts = {}) {
  detail::list_query_builder b(opts);
  for (const auto& kv : params) {
    const std::string_view key(kv.first);
    if (auto err = b.text(detail::classify(key), std::string_view(kv.second))) return fail(std::move(*err));
  }
  return std::move(b).finish();
}

/// Reads list parameters from a raw query string (parse_query_string, then
/// parse_list_query).
inline expected<list_query> parse_list_query_string(std::string_view raw, const list_options& opts = {},
                                                    const query_string_limits& limits = {}) {
  auto params = parse_query_string(raw, limits);
  if (!params) return fail(std::move(params.error()));
  return parse_list_query(*params, opts);
}

/// Reads a POST `.search` body (RFC 7644 section 3.4.3); see the top of this header.
inline expected<list_query> parse_search_request(const json& body, const list_options& opts = {}) {
  using scim::detail::iequals;
  if (!body.is_object())
    return fail(error_code::invalid_syntax,
                "the search request body must be a JSON object (a SearchRequest message)");
  // Duplicate names (case-insensitively) are ambiguous.
  const json* members[9] = {};
  const json* schemas = nullptr;
  for (auto it = body.begin(); it != body.end(); ++it) {
    const std::string& key = it.key();
    const json* slot_value = &it.value();
    if (iequals(key, "schemas")) {
      if (schemas != nullptr)
        return fail(error_code::invalid_syntax, "schemas: given more than once (names differ only in case)");
      schemas = slot_value;
      continue;
    }
    const auto p = detail::classify(key);
    if (p == detail::param::none) continue;
    const json*& slot = members[static_cast<int>(p)];
    if (slot != nullptr)
      return fail(error_code::invalid_syntax, std::string(detail::canonical_name(p)) +
                                                  ": given more than once (names differ only in case)");
    slot = slot_value;
  }
  if (opts.require_search_schema) {
    bool listed = false;
    if (schemas != nullptr && schemas->is_array()) {
      for (const auto& s : *schemas)
        if (s.is_string() && iequals(s.get_ref<const std::string&>(), urn::search_request)) listed = true;
    }
    if (!listed)
      return fail(error_code::invalid_syntax,
                  "schemas: a search request must list " + std::string(urn::search_request));
  }

  detail::list_query_builder b(opts);
  auto string_member = [&](detail::param p, const json& v) -> std::optional<error> {
    if (!v.is_string())
      return error(error_code::invalid_value, std::string(detail::canonical_name(p)) +
                                                  ": expected a string, got " + detail::value_type_name(v));
    return b.text(p, v.get_ref<const std::string&>());
  };
  auto integer_member = [&](detail::param p, const json& v, std::int64_t& out) -> std::optional<error> {
    if (v.is_number_integer()) {
      if (v.is_number_unsigned()) {
        const auto u = v.get<json::number_unsigned_t>();
        out = u > static_cast<json::number_unsigned_t>(std::numeric_limits<std::int64_t>::max())
                  ? std::numeric_limits<std::int64_t>::max()
                  : static_cast<std::int64_t>(u);
      } else {
        out = v.get<json::number_integer_t>();
      }
      return std::nullopt;
    }
    return error(error_code::invalid_value, std::string(detail::canonical_name(p)) +
                                                ": expected an integer, got " + detail::value_type_name(v));
  };
  auto paths_member = [&](detail::param p, const json& v,
                          std::vector<std::string>& out) -> std::optional<error> {
    const std::string_view name = detail::canonical_name(p);
    if (v.is_string()) return b.add_paths(v.get_ref<const std::string&>(), out, name);
    if (!v.is_array())
      return error(
          error_code::invalid_value,
          std::string(name) + ": expected an array of attribute paths, got " + detail::value_type_name(v));
    std::size_t i = 0;
    for (const auto& e : v) {
      if (!e.is_string())
        return error(error_code::invalid_value, std::string(name) + "[" + std::to_string(i) +
                                                    "]: expected a string, got " +
                                                    detail::value_type_name(e));
      if (auto err = b.add_path(e.get_ref<const std::string&>(), out, name)) return err;
      ++i;
    }
    return std::nullopt;
  };

  std::vector<std::string> attributes;
  std::vector<std::string> excluded;
  for (int i = 1; i < 9; ++i) {
    const json* v = members[i];
    if (v == nullptr || v->is_null()) continue;
    const auto p = static_cast<detail::param>(i);
    std::optional<error> err;
    switch (p) {
      case detail::param::filter:
      case detail::param::sort_by:
      case detail::param::sort_order:
      case detail::param::cursor:
        err = string_member(p, *v);
        break;
      case detail::param::start_index: {
        std::int64_t n = 0;
        err = integer_member(p, *v, n);
        if (!err) err = b.set_start_index(n);
        break;
      }
      case detail::param::count: {
        std::int64_t n = 0;
        err = integer_member(p, *v, n);
        if (!err) err = b.set_count(n);
        break;
      }
      case detail::param::attributes:
        err = paths_member(p, *v, attributes);
        break;
      case detail::param::excluded_attributes:
        err = paths_member(p, *v, excluded);
        break;
      case detail::param::none:
        break;
    }
    if (err) return fail(std::move(*err));
  }
  auto q = std::move(b).finish();
  if (!q) return q;
  q->attributes = std::move(attributes);
  q->excluded_attributes = std::move(excluded);
  return q;
}

/// Parses (with limits) and reads a `.search` body given as text.
inline expected<list_query> parse_search_request_text(std::string_view text, const list_options& opts = {},
                                                      const json_limits& limits = {}) {
  auto body = parse_json(text, limits);
  if (!body) return fail(std::move(body.error()));
  return parse_search_request(*body, opts);
}

}  // namespace query
SCIM_END_NAMESPACE
