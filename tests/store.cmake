# Store module: the lap blob codec and the backends' conformance suite.
tb_add_test(test_lapblob SOURCES tests/test_lapblob.c LIBS tb_store
            LABELS store)
tb_add_test(test_store_sqlite
            SOURCES tests/test_store_sqlite.c tests/store_conformance.c
            LIBS tb_store LABELS store TIMEOUT 300)
