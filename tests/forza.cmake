# Forza "Data Out" protocol (src/ingest/forza.c).
tb_add_test(test_forza SOURCES tests/test_forza.c LIBS tb_ingest)
