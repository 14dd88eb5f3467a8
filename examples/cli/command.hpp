// scim CLI: how a subcommand plugs into the `scim` program.
//
// Each subcommand lives in its own <name>_command.cpp and exposes one
// function that registers it on the top-level CLI11 app:
//
//   scim_cli::command add_<name>_command(CLI::App& app);
//
// which creates the subcommand (`app.add_subcommand(...)`), binds its options
// to state it owns (captured by the returned `run`), and returns both. main()
// parses the command line, then calls `run` of the one subcommand selected.
// `run` returns the process exit status and reports errors with
// scim_cli::report_error (support.hpp); it should not throw, but main()
// turns any escaping exception into a SCIM Error line as well.
//
// To add a subcommand: write <name>_command.cpp (CMake picks up every .cpp in
// this folder), declare its add_ function below, and append it to the list
// in main.cpp.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace scim_cli {

struct command {
  CLI::App* app = nullptr;   ///< the CLI11 subcommand
  std::function<int()> run;  ///< runs it once the command line is parsed
};

/// `scim filter EXPR [FILE]` (filter_command.cpp).
command add_filter_command(CLI::App& app);

/// `scim patch [--dialect D] PATCHFILE [RESOURCEFILE]` (patch_command.cpp).
command add_patch_command(CLI::App& app);

}  // namespace scim_cli
