# JSON API of `trailbrake serve`: every endpoint over loopback, checked
# against docs/openapi.yaml.
tb_add_test(test_api SOURCES tests/test_api.c LIBS tb_server
            TIMEOUT 300 LABELS integration)
target_compile_definitions(test_api PRIVATE
  TB_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
add_dependencies(test_api trailbrake)
