# Benchmarks: built by `make bench`, never timed inside unit tests.
# Each area adds executables with tb_add_bench.
add_custom_target(benches)
function(tb_add_bench name)
  cmake_parse_arguments(B "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} EXCLUDE_FROM_ALL ${B_SOURCES})
  target_link_libraries(${name} PRIVATE ${B_LIBS})
  add_dependencies(benches ${name})
endfunction()
include(bench/f1.cmake OPTIONAL)
include(bench/store.cmake OPTIONAL)
include(bench/ingest.cmake OPTIONAL)
