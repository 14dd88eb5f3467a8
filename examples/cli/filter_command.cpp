// scim filter EXPR [FILE]
//
// Reads SCIM resources as JSON Lines from FILE (or stdin when FILE is absent
// or "-") and prints, unchanged and in input order, every line whose resource
// matches the SCIM filter EXPR. Exit status: 0 when at least one line
// matched, 1 when none did, 2 on any error (stdout then stays empty and
// stderr holds one SCIM Error JSON line).
//
// Contract decisions:
//   * Resource type: from `schemas` (case-insensitive URNs): the core User
//     URN, optionally with the enterprise extension URN, is a User; the core
//     Group URN is a Group. Anything else (no/other core URN, both, a URN the
//     type does not declare, `schemas` missing or not an array of strings) is
//     invalidSyntax for that line.
//   * The filter is parsed once with default (strict) options — no Entra
//     tolerances, so `externalId eq jyoung` is invalidFilter — and compiled
//     once for User and once for Group with unknown attributes meaning "no
//     match" (the input mixes both types: `members[...]` never matches a User,
//     `emails ...` never a Group; an attribute unknown to both never matches).
//     Any other compile error for EITHER type is invalidFilter, reported
//     before any input is read: such an error is a type error in the filter
//     itself (`active gt true` orders a boolean; `userName[value eq "x"]`
//     filters a non-complex attribute), not a property of the data.
//     Filter errors are checked before FILE is opened.
//   * Lines: split on '\n'. A '\n' at the very end does not start another
//     line; a last line without '\n' is still a line. A '\r' before '\n' stays
//     part of the line: it is JSON whitespace, so CRLF input parses, and
//     matching lines are echoed with their '\r' (output is byte for byte the
//     input line, plus '\n'). Lines that are empty or hold only JSON
//     whitespace are skipped (they still count for line numbers).
//   * Every other line must be one JSON object, parsed by scim::parse_json
//     with its default limits (4 MiB, depth 64; invalid UTF-8 and NUL bytes
//     rejected); longer lines are rejected without being read whole. The
//     first bad line ends the run: invalidSyntax, "line N: ..." in `detail`.
//   * Usage errors (command line, FILE missing or unreadable) are status
//     "400" without scimType (support.hpp).
//   * Matches are buffered and written only after the whole input was read
//     without error.
#include "command.hpp"
#include "support.hpp"

#include <scim/filter/evaluator.hpp>
#include <scim/filter/parser.hpp>
#include <scim/json.hpp>
#include <scim/schema/registry.hpp>

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace scim_cli {

namespace {

struct filter_options {
  std::string expression;
  std::string file;
};

struct typed_predicate {
  const scim::resource_type* type = nullptr;
  scim::filter::predicate predicate;
};

// A filter error: invalidFilter with the byte offset in the detail.
scim::error filter_error(const scim::error& e, std::string_view context) {
  scim::error out(400, scim::error_code::invalid_filter, std::string(context) + e.detail);
  if (e.position) out.detail += " (at offset " + std::to_string(*e.position) + ")";
  return out;
}

int run_filter(const filter_options& opts) {
  const scim::schema_registry& reg = scim::default_registry();

  // 1. The filter: parsed once, compiled once per resource type.
  const auto parsed = scim::filter::parse(opts.expression);
  if (!parsed) return report_error(filter_error(parsed.error(), "invalid filter: "));
  scim::filter::compile_options compile_opts;
  compile_opts.unknown_attributes = scim::filter::unknown_attribute_policy::no_match;
  std::vector<typed_predicate> predicates;
  for (const scim::resource_type* type : reg.resource_types()) {
    auto compiled = scim::filter::compile(*parsed, *type, reg, compile_opts);
    if (!compiled)
      return report_error(
          filter_error(compiled.error(), "invalid filter for resource type " + type->name + ": "));
    predicates.push_back({type, std::move(*compiled)});
  }

  // 2. The input, line by line; matches are kept until the end.
  auto in = input::open(opts.file);
  if (!in) return report_error(in.error());
  const scim::json_limits limits{};
  line_reader reader(*in, limits.max_bytes);
  std::string matched;
  std::string_view line;
  while (reader.next(line)) {
    if (is_blank(line)) continue;
    const auto resource = parse_json_text(line, limits);
    if (!resource) return report_error(at_line(reader.line_number(), resource.error()));
    const auto type = resource_type_of(*resource, reg);
    if (!type) return report_error(at_line(reader.line_number(), type.error()));
    for (const auto& p : predicates) {
      if (p.type != *type) continue;
      if (p.predicate.matches(*resource)) {
        matched.append(line);
        matched.push_back('\n');
      }
      break;
    }
  }
  if (reader.error()) return report_error(*reader.error());

  // 3. Success: print what matched.
  if (matched.empty()) return to_int(exit_status::no_match);
  if (auto written = write_stdout(matched); !written) return report_error(written.error());
  return to_int(exit_status::success);
}

}  // namespace

command add_filter_command(CLI::App& app) {
  auto opts = std::make_shared<filter_options>();
  CLI::App* sub = app.add_subcommand("filter", "Print the JSON Lines SCIM resources that match a filter");
  sub->add_option("EXPR", opts->expression,
                  "SCIM filter (RFC 7644 section 3.4.2.2), e.g. 'userName eq \"bjensen\"'")
      ->required();
  sub->add_option("FILE", opts->file,
                  "JSON Lines input, one User or Group per line (default, or '-': stdin)");
  sub->footer(
      "Prints every matching input line unchanged, in input order. Empty lines are skipped.\n"
      "Exit status: 0 some line matched, 1 none matched, 2 error (one SCIM Error line on stderr:\n"
      "invalidFilter for the filter, invalidSyntax for an input line, no scimType for usage errors).\n"
      "Use '--' before a filter that starts with '-'.");
  return {sub, [opts] { return run_filter(*opts); }};
}

}  // namespace scim_cli
