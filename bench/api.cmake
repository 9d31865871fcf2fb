# JSON API: a lap's channels served in <= 5 ms, small requests/s over
# keep-alive loopback connections.
tb_add_bench(bench_api SOURCES bench/bench_api.c LIBS tb_server)
target_include_directories(bench_api PRIVATE ${CMAKE_SOURCE_DIR}/tests)
add_dependencies(bench_api trailbrake)
