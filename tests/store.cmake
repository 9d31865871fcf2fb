# Store module: the lap blob codec and the backends' conformance suite.
tb_add_test(test_lapblob SOURCES tests/test_lapblob.c LIBS tb_store
            LABELS store)
