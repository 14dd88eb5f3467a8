# Installs scimpp into a staging prefix, builds a consumer with
# find_package(scimpp CONFIG) and with pkg-config, and runs both. With
# WITH_SQLITE, a second consumer requires COMPONENTS sqlite (and the
# scimpp-sqlite pkg-config module) and round-trips a User through an in-memory
# sqlite_store. Requiring an unknown component must fail at configure time.
file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")

function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGV}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

function(expect_output pattern)
  if(NOT last_output MATCHES "${pattern}")
    message(FATAL_ERROR "expected output matching '${pattern}', got:\n${last_output}")
  endif()
endfunction()

run("${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}")
set(expected_files share/cmake/scimpp/scimppConfig.cmake share/cmake/scimpp/scimppConfigVersion.cmake
                   share/pkgconfig/scimpp.pc include/scim/scim.hpp include/scim/store/sqlite_store.hpp)
if(WITH_SQLITE)
  list(APPEND expected_files share/pkgconfig/scimpp-sqlite.pc)
endif()
foreach(f IN LISTS expected_files)
  if(NOT EXISTS "${prefix}/${f}")
    message(FATAL_ERROR "install is missing ${f}")
  endif()
endforeach()

set(consumer_args -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_BUILD_TYPE=Release)

# 1. The core: find_package(scimpp) with no components (and no SQLite lookup).
run("${CMAKE_COMMAND}" -S "${SOURCE_DIR}/tests/package/consumer" -B "${WORK_DIR}/build" ${consumer_args})
run("${CMAKE_COMMAND}" --build "${WORK_DIR}/build" --target consumer)
run("${WORK_DIR}/build/consumer")
expect_output("^scimpp [0-9.]+: bjensen@example.com")
message(STATUS "find_package consumer: ${last_output}")

# 2. COMPONENTS sqlite: scimpp::sqlite, an in-memory store, one User.
if(WITH_SQLITE)
  run("${CMAKE_COMMAND}" -S "${SOURCE_DIR}/tests/package/consumer" -B "${WORK_DIR}/build-sqlite" ${consumer_args}
      -DSCIMPP_COMPONENTS=sqlite)
  run("${CMAKE_COMMAND}" --build "${WORK_DIR}/build-sqlite" --target consumer_sqlite)
  run("${WORK_DIR}/build-sqlite/consumer_sqlite")
  expect_output("^sqlite_store \\(SQLite 3\\.[0-9.]+\\): bjensen@example.com W/\"1\"")
  message(STATUS "find_package COMPONENTS sqlite consumer: ${last_output}")
endif()

# 3. COMPONENTS nosuch: configuring fails, naming the component.
execute_process(COMMAND "${CMAKE_COMMAND}" -S "${SOURCE_DIR}/tests/package/consumer" -B "${WORK_DIR}/build-nosuch"
                        ${consumer_args} -DSCIMPP_COMPONENTS=nosuch
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "find_package(scimpp COMPONENTS nosuch) configured:\n${out}\n${err}")
endif()
if(NOT err MATCHES "scimpp has no component \"nosuch\"")
  message(FATAL_ERROR "find_package(scimpp COMPONENTS nosuch) failed without naming the component:\n${err}")
endif()
message(STATUS "find_package COMPONENTS nosuch: fails at configure time, as it should")

# pkg-config: compile the same consumers with the flags scimpp.pc and
# scimpp-sqlite.pc give.
find_program(PKG_CONFIG pkg-config)
if(PKG_CONFIG)
  set(ENV{PKG_CONFIG_PATH} "${prefix}/share/pkgconfig")
  run("${PKG_CONFIG}" --cflags scimpp)
  string(STRIP "${last_output}" cflags)
  separate_arguments(cflags UNIX_COMMAND "${cflags}")
  run("${CXX}" -std=c++20 ${cflags} "${SOURCE_DIR}/tests/package/consumer/main.cpp" -o "${WORK_DIR}/consumer_pc")
  run("${WORK_DIR}/consumer_pc")
  expect_output("^scimpp [0-9.]+: bjensen@example.com")
  message(STATUS "pkg-config consumer: ${last_output}")

  if(WITH_SQLITE)
    run("${PKG_CONFIG}" --cflags --libs scimpp-sqlite)
    string(STRIP "${last_output}" flags)
    if(NOT flags MATCHES "(^| )-lsqlite3( |$)" OR NOT flags MATCHES "(^| )-I[^ ]*/include( |$)")
      message(FATAL_ERROR "pkg-config scimpp-sqlite gives unexpected flags: ${flags}")
    endif()
    separate_arguments(flags UNIX_COMMAND "${flags}")
    # Compiler flags before the source, libraries after it.
    set(cflags)
    set(libs)
    foreach(f IN LISTS flags)
      if(f MATCHES "^-l")
        list(APPEND libs "${f}")
      else()
        list(APPEND cflags "${f}")
      endif()
    endforeach()
    run("${CXX}" -std=c++20 ${cflags} "${SOURCE_DIR}/tests/package/consumer/sqlite_main.cpp"
        -o "${WORK_DIR}/consumer_sqlite_pc" ${libs})
    run("${WORK_DIR}/consumer_sqlite_pc")
    expect_output("^sqlite_store \\(SQLite 3\\.[0-9.]+\\): bjensen@example.com W/\"1\"")
    message(STATUS "pkg-config scimpp-sqlite consumer: ${last_output}")
  endif()
endif()
