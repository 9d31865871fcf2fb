/* placeholder removed when the module lands */
typedef int tb_server_unit_;
