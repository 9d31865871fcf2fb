# iRacing .ibt (src/formats/ibt.c): hand-made files, then the recordings.
tb_add_test(test_ibt SOURCES tests/test_ibt.c LIBS tb_formats)
tb_add_test(test_ibt_data SOURCES tests/test_ibt_data.c LIBS tb_formats)
