# EA SPORTS WRC protocol (src/ingest/ea_wrc.c).
tb_add_test(test_ea_wrc SOURCES tests/test_ea_wrc.c LIBS tb_ingest)
