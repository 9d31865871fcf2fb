tb_add_test(test_serve SOURCES tests/test_serve.c LIBS tb_server
            TIMEOUT 300 LABELS integration)
add_dependencies(test_serve trailbrake)
