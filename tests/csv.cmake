# CSV import/export (src/formats/csv_*.c).
tb_add_test(test_csv SOURCES tests/test_csv.c LIBS tb_formats)
