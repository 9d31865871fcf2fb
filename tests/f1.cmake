# F1 UDP decoder/encoder tests (src/ingest/f1_*.c).
tb_add_test(test_f1_codec SOURCES tests/test_f1_codec.c LIBS tb_ingest)
tb_add_test(test_f1_data_maciejpedzich
  SOURCES tests/test_f1_data_maciejpedzich.c LIBS tb_ingest LABELS data)
tb_add_test(test_f1_data_gamesdat
  SOURCES tests/test_f1_data_gamesdat.c LIBS tb_ingest LABELS data)
