/* placeholder so the module library exists before its first file */
typedef int tb_sim_unit_;
