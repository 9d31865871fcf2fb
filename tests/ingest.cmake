tb_add_test(test_laps SOURCES tests/test_laps.c LIBS tb_ingest)
