# One test program per file, registered with tb_add_test (CMakeLists.txt).
# Each area keeps its registrations in its own file.
tb_add_test(test_core SOURCES tests/test_core.c LIBS tb_core)
include(tests/f1.cmake OPTIONAL)
include(tests/store.cmake OPTIONAL)
include(tests/pcap.cmake OPTIONAL)
include(tests/gen.cmake OPTIONAL)
include(tests/ingest.cmake OPTIONAL)
include(tests/server.cmake OPTIONAL)
