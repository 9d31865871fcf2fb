/* placeholder removed when the module lands */
typedef int tb_ingest_unit_;
