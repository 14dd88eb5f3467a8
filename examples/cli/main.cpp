// scim: a command-line tool over scimpp.
//
//   scim filter EXPR [FILE]   print the JSON Lines resources matching a filter
//   scim patch [--dialect D] PATCHFILE [RESOURCEFILE]   apply a PATCH request
//
// Every error — including command-line errors found by CLI11 — ends the
// program with status 2, nothing on stdout and one SCIM Error JSON line on
// stderr (see support.hpp). `--help` prints help and exits 0.
#include "command.hpp"
#include "support.hpp"

#include <scim/version.hpp>

#include <CLI/CLI.hpp>

#include <exception>
#include <string>
#include <vector>

namespace {

int run(int argc, char** argv) {
  CLI::App app{"SCIM 2.0 command-line tools (scimpp " + std::string(scim::version_string) + ")", "scim"};
  app.set_version_flag("--version", std::string("scim (scimpp) ") + scim::version_string);
  app.require_subcommand(1);
  app.footer(
      "Exit status: 0 success (filter: some resource matched), 1 filter: nothing matched, 2 error.\n"
      "On error stdout stays empty and stderr holds one SCIM Error JSON line (status \"400\").");

  std::vector<scim_cli::command> commands;
  commands.push_back(scim_cli::add_filter_command(app));
  commands.push_back(scim_cli::add_patch_command(app));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" with exit code 0: let CLI11 print them.
    if (e.get_exit_code() == 0) return app.exit(e);
    std::string detail = e.what();
    if (app.get_subcommands().empty() && !app.remaining().empty()) {
      const std::string first = app.remaining().front();
      detail = (!first.empty() && first.front() == '-' ? "unknown option '" : "unknown subcommand '") +
               first + "'";
    }
    return scim_cli::report_error(scim_cli::usage_error(detail + " (run 'scim --help' for usage)"));
  }
  for (const auto& c : commands)
    if (c.app->parsed()) return c.run();
  return scim_cli::report_error(scim_cli::usage_error("no subcommand given (run 'scim --help' for usage)"));
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    return scim_cli::report_error(scim_cli::usage_error(std::string("internal error: ") + e.what()));
  } catch (...) {
    return scim_cli::report_error(scim_cli::usage_error("internal error"));
  }
}
