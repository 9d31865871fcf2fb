# libFuzzer harness of the WebSocket frame parser (server/ws.c, built into
# the target so libFuzzer sees its coverage). Same options as fuzz.cmake.
if(TB_FUZZ AND CMAKE_C_COMPILER_ID MATCHES "Clang")
  add_executable(fuzz_ws fuzz/fuzz_ws.c ${CMAKE_SOURCE_DIR}/src/server/ws.c)
  target_include_directories(fuzz_ws PRIVATE ${CMAKE_SOURCE_DIR}/src)
  target_compile_options(fuzz_ws PRIVATE -fsanitize=fuzzer,address,undefined -g)
  target_link_options(fuzz_ws PRIVATE -fsanitize=fuzzer,address,undefined)
endif()
