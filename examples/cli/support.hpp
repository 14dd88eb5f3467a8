// scim CLI: helpers shared by every subcommand — exit codes, the one-line SCIM
// Error report on stderr, bounded input reading, resource-type detection.
//
// Conventions every subcommand follows:
//   * on error, nothing is written to stdout and exactly one compact SCIM
//     Error JSON object (RFC 7644 section 3.12) plus '\n' goes to stderr;
//     the exit status is then exit_status::error (2);
//   * output is buffered and written only once the command has succeeded;
//   * usage errors (command line, files) are status "400" without scimType,
//     so a script can tell them from errors in the data (invalidFilter,
//     invalidSyntax, ...).
#pragma once

#include <scim/error.hpp>
#include <scim/expected.hpp>
#include <scim/json.hpp>
#include <scim/schema/registry.hpp>
#include <scim/schema/resource_type.hpp>

#include <cstddef>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace scim_cli {

/// Process exit statuses shared by the subcommands.
enum class exit_status : int {
  success = 0,   ///< done (`scim filter`: at least one resource matched)
  no_match = 1,  ///< `scim filter`: no resource matched
  error = 2,     ///< any error; stderr holds one SCIM Error line
};

constexpr int to_int(exit_status s) noexcept {
  return static_cast<int>(s);
}

/// A usage error (bad command line, missing or unreadable file): 400, no scimType.
scim::error usage_error(std::string detail);

/// Writes `e` to stderr as one compact SCIM Error JSON line (always status
/// "400": every error this tool reports is a client error). Never throws.
/// Returns to_int(exit_status::error), so `return report_error(e);` works.
int report_error(const scim::error& e) noexcept;

/// Writes `text` to stdout and flushes it; a usage-style error when that fails.
scim::expected<void> write_stdout(std::string_view text);

/// An input: a named file, or stdin when the path is empty or "-".
class input {
 public:
  /// Opens `path` for reading; a usage error when it cannot be opened.
  static scim::expected<input> open(const std::string& path);

  input(input&& other) noexcept;
  input& operator=(input&&) = delete;
  input(const input&) = delete;
  input& operator=(const input&) = delete;
  ~input();

  std::FILE* file() const noexcept { return file_; }
  /// The path as given, or "<stdin>".
  const std::string& name() const noexcept { return name_; }

 private:
  input(std::FILE* f, std::string name, bool owned) : file_(f), name_(std::move(name)), owned_(owned) {}
  std::FILE* file_ = nullptr;
  std::string name_;
  bool owned_ = false;
};

/// Reads an input line by line ('\n'-terminated; the '\n' is not part of the
/// line, a '\r' before it is). A final line without '\n' is still a line; a
/// '\n' at the very end does not start another one. Lines longer than
/// `max_line_bytes` are an error (invalidSyntax) detected without reading the
/// rest of the line, so memory stays bounded.
class line_reader {
 public:
  line_reader(const input& in, std::size_t max_line_bytes);

  /// The next line; false at the end of the input or on error (see error()).
  /// The view is valid until the next call.
  bool next(std::string_view& line);

  /// 1-based number of the line last returned.
  std::size_t line_number() const noexcept { return line_number_; }

  /// Set when next() returned false because of an error.
  const std::optional<scim::error>& error() const noexcept { return error_; }

 private:
  bool fill();

  std::FILE* file_;
  std::string name_;
  std::size_t max_line_bytes_;
  std::string buffer_;
  std::size_t begin_ = 0;  // unread data is buffer_[begin_, end_)
  std::size_t end_ = 0;
  std::string carry_;  // a line that spans buffer refills
  std::size_t line_number_ = 0;
  bool eof_ = false;
  std::optional<scim::error> error_;
};

/// Reads a whole input (for commands that take one JSON document); an
/// invalidSyntax error beyond `max_bytes`, a usage error when reading fails.
scim::expected<std::string> read_all(const input& in, std::size_t max_bytes);

/// scim::parse_json, but a NUL byte anywhere is invalidSyntax too: nlohmann's
/// lexer takes '\0' for the end of the input, so parse_json alone would accept
/// `{"a":1}\0<anything>`.
scim::expected<scim::json> parse_json_text(std::string_view text, const scim::json_limits& limits = {});

/// True when a line holds nothing but JSON whitespace (space, tab, CR, LF).
bool is_blank(std::string_view line) noexcept;

/// The resource type of a resource, from its `schemas`: exactly one core
/// schema URN of a resource type in `reg` plus, optionally, extension URNs
/// that type declares (URNs compare case-insensitively; repeats are allowed).
/// Anything else — no `schemas`, not an array of strings, no or two core
/// URNs, a URN foreign to the type — is invalidSyntax.
scim::expected<const scim::resource_type*> resource_type_of(const scim::json& resource,
                                                            const scim::schema_registry& reg);

/// "line N: " + detail (+ " (at offset B)", 0-based in the line, when the error has a position).
scim::error at_line(std::size_t line_number, const scim::error& e);

}  // namespace scim_cli
