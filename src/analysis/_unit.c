/* placeholder so the module library exists before its first file */
typedef int tb_analysis_unit_;
