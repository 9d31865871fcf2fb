# One test program per file. Add new tests here.
tb_add_test(test_core SOURCES tests/test_core.c LIBS tb_core)
