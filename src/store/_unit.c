/* placeholder removed when the module lands */
typedef int tb_store_unit_;
