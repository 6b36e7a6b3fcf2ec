// HDF5's type and flag macros expand to globals that are only valid after H5open(), and
// Swift cannot import function-like macros, so they are wrapped in inline functions here.
#include <hdf5.h>
#include <hdf5_hl.h>

static inline hid_t dl_h5_open_and(hid_t id) { H5open(); return id; }
static inline hid_t dl_native_float(void)  { H5open(); return H5T_NATIVE_FLOAT; }
static inline hid_t dl_native_double(void) { H5open(); return H5T_NATIVE_DOUBLE; }
static inline hid_t dl_native_int32(void)  { H5open(); return H5T_NATIVE_INT32; }
static inline hid_t dl_native_int64(void)  { H5open(); return H5T_NATIVE_INT64; }
static inline hid_t dl_native_uint8(void)  { H5open(); return H5T_NATIVE_UINT8; }
static inline hid_t dl_c_s1(void)          { H5open(); return H5T_C_S1; }
static inline hid_t dl_p_file_access(void) { H5open(); return H5P_FILE_ACCESS; }
static inline hid_t dl_p_file_create(void) { H5open(); return H5P_FILE_CREATE; }
static inline hid_t dl_p_dataset_create(void) { H5open(); return H5P_DATASET_CREATE; }
static inline hid_t dl_p_link_create(void) { H5open(); return H5P_LINK_CREATE; }
static inline hid_t dl_p_group_create(void) { H5open(); return H5P_GROUP_CREATE; }
static inline hid_t dl_p_default(void)     { return H5P_DEFAULT; }
static inline hid_t dl_s_all(void)         { return H5S_ALL; }
static inline unsigned dl_f_acc_trunc(void)  { return H5F_ACC_TRUNC; }
static inline unsigned dl_f_acc_excl(void)   { return H5F_ACC_EXCL; }
static inline unsigned dl_f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned dl_f_acc_rdwr(void)   { return H5F_ACC_RDWR; }
static inline size_t dl_variable(void)       { return H5T_VARIABLE; }
/* Silence HDF5's own stderr error stack: distlab reports errors itself, naming file and dataset. */
static inline void dl_silence_errors(void) { H5open(); H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
/* The default error stack, for walking it to get the most specific message of a failure. */
static inline hid_t dl_e_default(void) { return H5E_DEFAULT; }
