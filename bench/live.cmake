# Live telemetry: 20 WebSocket viewers (and a stalled one) of a 60 Hz F1
# stream, packet-to-viewer latency p99 <= 50 ms.
tb_add_bench(bench_live SOURCES bench/bench_live.c LIBS tb_ingest)
target_include_directories(bench_live PRIVATE ${CMAKE_SOURCE_DIR}/tests
  ${CMAKE_SOURCE_DIR}/src)
add_dependencies(bench_live trailbrake)
