/* status.c - status names, messages, HTTP and exit-code tables, and the
 * tb_error helpers. All tables come from TB_STATUS_LIST in core.h. */
#include "core.h"

#include <stdarg.h>
#include <stdio.h>

static const struct {
	const char *name, *msg;
	int http, exitc;
} status_tab[TB_STATUS__COUNT] = {
#define TB__X(id, msg, http, exitc) {#id, msg, http, exitc},
	TB_STATUS_LIST(TB__X)
#undef TB__X
};

static enum tb_status clamp(enum tb_status st)
{
	return ((unsigned)st < TB_STATUS__COUNT) ? st : TB_ERR_INTERNAL;
}

const char *tb_strerror(enum tb_status st)
{
	return status_tab[clamp(st)].msg;
}

const char *tb_status_name(enum tb_status st)
{
	return status_tab[clamp(st)].name;
}

int tb_status_http(enum tb_status st)
{
	return status_tab[clamp(st)].http;
}

int tb_status_exit(enum tb_status st)
{
	return status_tab[clamp(st)].exitc;
}

enum tb_status tb_fail(struct tb_error *err, enum tb_status st,
		       const char *fmt, ...)
{
	if (err) {
		va_list ap;
		err->status = st;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return st;
}

void tb_error_clear(struct tb_error *err)
{
	if (err) {
		err->status = TB_OK;
		err->msg[0] = '\0';
	}
}
