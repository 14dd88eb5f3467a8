# Installs scimpp into a staging prefix, builds a consumer with
# find_package(scimpp CONFIG) and with pkg-config, and runs both.
file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")

function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGV}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

run("${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}")
foreach(f share/cmake/scimpp/scimppConfig.cmake share/cmake/scimpp/scimppConfigVersion.cmake
          share/pkgconfig/scimpp.pc include/scim/scim.hpp)
  if(NOT EXISTS "${prefix}/${f}")
    message(FATAL_ERROR "install is missing ${f}")
  endif()
endforeach()

run("${CMAKE_COMMAND}" -S "${SOURCE_DIR}/tests/package/consumer" -B "${WORK_DIR}/build"
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_BUILD_TYPE=Release)
run("${CMAKE_COMMAND}" --build "${WORK_DIR}/build")
run("${WORK_DIR}/build/consumer")
message(STATUS "find_package consumer: ${last_output}")

# pkg-config: compile the same consumer with the flags scimpp.pc gives.
find_program(PKG_CONFIG pkg-config)
if(PKG_CONFIG)
  set(ENV{PKG_CONFIG_PATH} "${prefix}/share/pkgconfig")
  run("${PKG_CONFIG}" --cflags scimpp)
  string(STRIP "${last_output}" cflags)
  separate_arguments(cflags UNIX_COMMAND "${cflags}")
  run("${CXX}" -std=c++20 ${cflags} "${SOURCE_DIR}/tests/package/consumer/main.cpp" -o "${WORK_DIR}/consumer_pc")
  run("${WORK_DIR}/consumer_pc")
  message(STATUS "pkg-config consumer: ${last_output}")
endif()
