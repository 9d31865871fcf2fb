# Gran Turismo 7 / GT Sport Simulator Interface (src/ingest/gt7.c) and its
# Salsa20 (src/ingest/salsa20.c): spec and eSTREAM vectors, codec,
# protocol, a fake console on loopback, and the shared recordings.
tb_add_test(test_gt7_salsa20 SOURCES tests/test_gt7_salsa20.c LIBS tb_ingest)
tb_add_test(test_gt7 SOURCES tests/test_gt7.c LIBS tb_ingest)
tb_add_test(test_gt7_data SOURCES tests/test_gt7_data.c LIBS tb_ingest)
