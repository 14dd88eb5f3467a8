// scimpp: bounded, non-throwing JSON parsing and safe serialisation.
#pragma once

#include "scim/config.hpp"
#include "scim/error.hpp"
#include "scim/expected.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

SCIM_BEGIN_NAMESPACE

using json = nlohmann::json;

/// Limits applied when parsing untrusted JSON.
struct json_limits {
  /// Maximum nesting of arrays and objects (the top-level value is depth 1).
  std::size_t max_depth = SCIM_DEFAULT_MAX_JSON_DEPTH;
  /// Maximum input size in bytes.
  std::size_t max_bytes = SCIM_DEFAULT_MAX_JSON_BYTES;
};

namespace detail {

// Builds a DOM from nlohmann's iterative SAX parser with an explicit stack, so
// neither parsing nor a too-deep document can exhaust the call stack.
class bounded_dom_builder {
 public:
  using number_integer_t = json::number_integer_t;
  using number_unsigned_t = json::number_unsigned_t;
  using number_float_t = json::number_float_t;
  using string_t = json::string_t;
  using binary_t = json::binary_t;

  bounded_dom_builder(json& root, std::size_t max_depth) : root_(root), max_depth_(max_depth) {}

  bool null() { return put(json(nullptr)); }
  bool boolean(bool v) { return put(json(v)); }
  bool number_integer(number_integer_t v) { return put(json(v)); }
  bool number_unsigned(number_unsigned_t v) { return put(json(v)); }
  bool number_float(number_float_t v, const string_t&) { return put(json(v)); }
  bool string(string_t& v) { return put(json(std::move(v))); }
  bool binary(binary_t& v) { return put(json::binary(std::move(v))); }

  bool start_object(std::size_t) { return open(json::object()); }
  bool start_array(std::size_t) { return open(json::array()); }
  bool end_object() { stack_.pop_back(); return true; }
  bool end_array() { stack_.pop_back(); return true; }
  bool key(string_t& k) {
    pending_key_ = &(*stack_.back())[std::move(k)];
    return true;
  }

  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) {
    failed_ = true;
    error_position_ = position > 0 ? position - 1 : 0;
    std::string_view what = ex.what();
    // Drop nlohmann's "[json.exception.parse_error.101] " prefix.
    if (auto p = what.find("] "); p != std::string_view::npos && what.substr(0, 1) == "[")
      what.remove_prefix(p + 2);
    error_message_.assign(what.data(), what.size());
    return false;
  }

  bool too_deep() const { return too_deep_; }
  bool failed() const { return failed_; }
  std::size_t error_position() const { return error_position_; }
  const std::string& error_message() const { return error_message_; }
  void set_offset(std::size_t off) { offset_ = off; }

 private:
  bool put(json&& v) {
    if (stack_.empty()) {
      root_ = std::move(v);
    } else if (stack_.back()->is_array()) {
      stack_.back()->push_back(std::move(v));
    } else {
      *pending_key_ = std::move(v);
    }
    return true;
  }
  bool open(json&& container) {
    if (stack_.size() + 1 > max_depth_) {
      too_deep_ = true;
      return false;
    }
    json* slot;
    if (stack_.empty()) {
      root_ = std::move(container);
      slot = &root_;
    } else if (stack_.back()->is_array()) {
      stack_.back()->push_back(std::move(container));
      slot = &stack_.back()->back();
    } else {
      *pending_key_ = std::move(container);
      slot = pending_key_;
    }
    stack_.push_back(slot);
    return true;
  }

  json& root_;
  std::size_t max_depth_;
  std::vector<json*> stack_;
  json* pending_key_ = nullptr;
  bool too_deep_ = false;
  bool failed_ = false;
  std::size_t error_position_ = 0;
  std::size_t offset_ = 0;
  std::string error_message_;
};

// Depth of the first container that crosses the limit, found without parsing.
inline std::size_t find_depth_violation(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > max_depth) return i;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return std::string_view::npos;
}

}  // namespace detail

/// Parses untrusted JSON text. Never throws. Errors are 400 invalidSyntax with
/// the byte position: malformed JSON, invalid UTF-8, nesting deeper than
/// `limits.max_depth`, or more than `limits.max_bytes` bytes.
inline expected<json> parse_json(std::string_view text, const json_limits& limits = {}) {
  if (text.size() > limits.max_bytes) {
    return fail(error_code::invalid_syntax, "JSON document of " + std::to_string(text.size()) +
                                                " bytes exceeds the limit of " +
                                                std::to_string(limits.max_bytes) + " bytes");
  }
  // nlohmann's lexer stops at a NUL byte as if the input ended there; a raw
  // NUL is never valid JSON (control characters must be escaped).
  if (auto nul = text.find('\0'); nul != std::string_view::npos) {
    return fail(error(error_code::invalid_syntax, "malformed JSON: NUL byte in the input").at(nul, text.substr(0, 0)));
  }
  if (auto at = detail::find_depth_violation(text, limits.max_depth); at != std::string_view::npos) {
    return fail(error(error_code::invalid_syntax, "JSON nesting deeper than " +
                                                      std::to_string(limits.max_depth) + " levels")
                    .at(at, text.substr(0, 0)));
  }
  json root;
  detail::bounded_dom_builder builder(root, limits.max_depth);
  const bool ok = json::sax_parse(text.begin(), text.end(), &builder, json::input_format_t::json, true);
  if (!ok || builder.failed()) {
    if (builder.too_deep()) {
      return fail(error_code::invalid_syntax,
                  "JSON nesting deeper than " + std::to_string(limits.max_depth) + " levels");
    }
    std::string msg = builder.error_message().empty() ? std::string("malformed JSON") : builder.error_message();
    return fail(error(error_code::invalid_syntax, "malformed JSON: " + msg)
                    .at(builder.error_position(), text.substr(0, 0)));
  }
  return root;
}

/// Serialises JSON compactly. Never throws: invalid UTF-8 in strings is
/// replaced with U+FFFD instead of raising nlohmann's type_error 316.
inline std::string dump_json(const json& j, int indent = -1) {
  return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

/// Nesting depth of a JSON value as parse_json counts it: the number of
/// nested arrays/objects (a scalar is 0, `[]` is 1, `[[1]]` is 2). Iterative.
inline std::size_t json_depth(const json& j) {
  std::size_t max_depth = 0;
  std::vector<std::pair<const json*, std::size_t>> todo{{&j, 0}};
  while (!todo.empty()) {
    auto [v, d] = todo.back();
    todo.pop_back();
    if (!v->is_structured()) continue;
    if (d + 1 > max_depth) max_depth = d + 1;
    for (const auto& child : *v) todo.emplace_back(&child, d + 1);
  }
  return max_depth;
}

SCIM_END_NAMESPACE
