/* placeholder removed when the module lands */
typedef int tb_formats_unit_;
