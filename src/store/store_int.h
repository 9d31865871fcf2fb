/* store_int.h - internals of the store module shared by the dispatch
 * (store.c) and the backends: the backend tables found by URL scheme. */
#ifndef TB_STORE_INT_H
#define TB_STORE_INT_H

#include "store.h"

#define STORE_OPS_VERSION 4

/* The SQLite backend (sqlite.c). */
extern const struct store_ops store__sqlite_ops;

#endif /* TB_STORE_INT_H */
