# Scenario generator: ground truth of the packet streams it produces.
tb_add_test(test_gen SOURCES tests/test_gen.c LIBS tb_ingest)
