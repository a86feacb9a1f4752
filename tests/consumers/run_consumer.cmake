# Builds and runs tests/consumers/app against parcae in one of three ways (cmake -P script).
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  message("${out}")
endfunction()

set(app_args -G "${GENERATOR}" -S ${SOURCE_DIR}/tests/consumers/app -B ${WORK_DIR}/app
             -DMODE=${MODE} -DCMAKE_BUILD_TYPE=Release)
if(MODE STREQUAL "find_package")
  run(${CMAKE_COMMAND} -G "${GENERATOR}" -S ${SOURCE_DIR} -B ${WORK_DIR}/parcae
      -DPARCAE_BUILD_TESTS=OFF -DPARCAE_BUILD_BENCH=OFF -DPARCAE_BUILD_EXAMPLES=OFF
      -DPARCAE_BUILD_TOOLS=OFF -DPARCAE_BUILD_PYTHON=OFF -DCMAKE_INSTALL_PREFIX=${WORK_DIR}/prefix)
  run(${CMAKE_COMMAND} --install ${WORK_DIR}/parcae)
  list(APPEND app_args -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
elseif(MODE STREQUAL "add_subdirectory")
  list(APPEND app_args -DPARCAE_SOURCE_DIR=${SOURCE_DIR})
elseif(MODE STREQUAL "vendored")
  file(COPY ${SOURCE_DIR}/include/parcae DESTINATION ${WORK_DIR}/vendor/include)
  list(APPEND app_args -DVENDORED_INCLUDE_DIR=${WORK_DIR}/vendor/include)
endif()
run(${CMAKE_COMMAND} ${app_args})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/app)
run(${WORK_DIR}/app/consumer)
