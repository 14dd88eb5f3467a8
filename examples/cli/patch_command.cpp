// scim patch [--dialect strict|lenient|entra|okta|jumpcloud] PATCHFILE [RESOURCEFILE]
//
// Applies one SCIM PATCH request (RFC 7644 section 3.5.2) to one resource and
// prints the patched resource as one compact JSON line on stdout. PATCHFILE
// holds the PatchOp request body; the resource (one JSON object) comes from
// RESOURCEFILE, or from stdin when RESOURCEFILE is absent or "-". Exit status:
// 0 success, 2 any error (stdout then stays empty and stderr holds one SCIM
// Error JSON line, status "400" and the scimType of the failure).
//
// Contract decisions:
//   * The request is first rewritten by the normalisers of the dialect
//     (scim/patch/normalize.hpp; default `lenient`: every identity-provider
//     normaliser), then parsed strictly and applied atomically. `--dialect
//     strict` runs no normaliser and turns the applier's own tolerances off
//     (apply_options_for), so provider deviations ("Replace", "False",
//     remove with a value list, dotted value keys, the unchanged `id` in a
//     path-less replace, ...) are the core's errors.
//   * The resource type comes from the resource's `schemas`, as for
//     `scim filter`: the core User URN (optionally with the enterprise
//     extension URN) or the core Group URN; anything else is invalidSyntax.
//   * Both documents are read whole and parsed by scim::parse_json with its
//     default limits (4 MiB, depth 64; invalid UTF-8 and NUL bytes are
//     invalidSyntax); `detail` starts with "patch: " or "resource: " for
//     errors in either document.
//   * PATCHFILE may be "-" (stdin) only when RESOURCEFILE names a file.
//   * Usage errors (command line, unknown dialect, files missing or
//     unreadable) are status "400" without scimType (support.hpp).
#include <CLI/CLI.hpp>
#include <memory>
#include <scim/json.hpp>
#include <scim/patch/apply.hpp>
#include <scim/patch/dialect.hpp>
#include <scim/patch/normalize.hpp>
#include <scim/patch/operation.hpp>
#include <scim/schema/registry.hpp>
#include <string>
#include <string_view>
#include <utility>

#include "command.hpp"
#include "support.hpp"

namespace scim_cli {

namespace {

struct patch_options {
  std::string dialect = "lenient";
  std::string patch_file;
  std::string resource_file;
};

// `context` + the error's detail (+ the byte offset of a parse error).
scim::error in_document(const scim::error& e, std::string_view context) {
  scim::error out(400, e.code, std::string(context) + e.detail);
  if (e.position) out.detail += " (at offset " + std::to_string(*e.position) + ")";
  return out;
}

// Reads and parses one JSON document.
scim::expected<scim::json> read_document(const std::string& path, std::string_view context) {
  auto in = input::open(path);
  if (!in) return scim::fail(in.error());
  const scim::json_limits limits{};
  auto text = read_all(*in, limits.max_bytes);
  if (!text) {
    if (text.error().code == scim::error_code::none) return scim::fail(text.error());
    return scim::fail(in_document(text.error(), context));
  }
  auto doc = parse_json_text(*text, limits);
  if (!doc) return scim::fail(in_document(doc.error(), context));
  return doc;
}

bool is_stdin(const std::string& path) {
  return path.empty() || path == "-";
}

int run_patch(const patch_options& opts) {
  const scim::schema_registry& reg = scim::default_registry();

  const auto dialect = scim::patch::dialect_from_string(opts.dialect);
  if (!dialect)
    return report_error(usage_error("unknown dialect '" + opts.dialect +
                                    "' (expected strict, lenient, entra, okta or jumpcloud)"));
  if (opts.patch_file == "-" && is_stdin(opts.resource_file))
    return report_error(usage_error("PATCHFILE and the resource cannot both be read from stdin"));

  // 1. The request, then the resource.
  auto body = read_document(opts.patch_file, "patch: ");
  if (!body) return report_error(body.error());
  auto resource = read_document(opts.resource_file, "resource: ");
  if (!resource) return report_error(resource.error());
  const auto type = resource_type_of(*resource, reg);
  if (!type) return report_error(in_document(type.error(), "resource: "));

  // 2. Normalise, parse, apply (atomically: the resource is untouched on error).
  auto normalized = scim::patch::normalize(std::move(*body), *resource, **type, reg, *dialect);
  if (!normalized) return report_error(normalized.error());
  auto request = scim::patch::parse_patch_request(std::move(*normalized));
  if (!request) return report_error(request.error());
  auto changes =
      scim::patch::apply(*resource, *request, **type, reg, scim::patch::apply_options_for(*dialect));
  if (!changes) return report_error(changes.error());

  // 3. Success: the patched resource, one line.
  if (auto written = write_stdout(scim::dump_json(*resource) + "\n"); !written)
    return report_error(written.error());
  return to_int(exit_status::success);
}

}  // namespace

command add_patch_command(CLI::App& app) {
  auto opts = std::make_shared<patch_options>();
  CLI::App* sub =
      app.add_subcommand("patch", "Apply a SCIM PATCH request to a resource and print the result");
  sub->add_option("--dialect", opts->dialect,
                  "identity-provider dialect: strict, lenient (default), entra, okta or jumpcloud");
  sub->add_option("PATCHFILE", opts->patch_file, "PatchOp request body (JSON; '-': stdin)")->required();
  sub->add_option("RESOURCEFILE", opts->resource_file,
                  "the User or Group to patch (one JSON object; default, or '-': stdin)");
  sub->footer(
      "Prints the patched resource as one JSON line. The dialect's normalisers rewrite provider\n"
      "deviations (Entra ID \"Replace\"/\"False\", remove with a value list, ...) into RFC 7644 form\n"
      "first; 'strict' rewrites nothing.\n"
      "Exit status: 0 success, 2 error (one SCIM Error line on stderr with the scimType:\n"
      "invalidSyntax, invalidPath, invalidValue, noTarget, mutability, ...; none for usage errors).");
  return {sub, [opts] { return run_patch(*opts); }};
}

}  // namespace scim_cli
