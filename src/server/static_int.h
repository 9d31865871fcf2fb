/* static_int.h - the web UI embedded in the binary: a table of files
 * generated at build time from web/dist by tools/embed.c, and the
 * handler serving it (static.c). */
#ifndef TB_SERVER_STATIC_INT_H
#define TB_SERVER_STATIC_INT_H

#include <stddef.h>

/* One embedded file. Every string is static. */
struct srv_asset {
	const char *path; /* URL path: "/index.html", "/assets/app.js" */
	const char *type; /* Content-Type */
	const char *etag; /* strong ETag, quoted */
	const unsigned char *data;
	size_t len;
};

/* The generated table (build/generated/web_assets.c). */
extern const struct srv_asset srv__assets[];
extern const size_t srv__n_assets;

/* The asset a GET of url answers: "/" is the UI's page (index.html),
 * "/assets/..." the file of that path; NULL for anything else. url is
 * the path only (no query). */
const struct srv_asset *srv__asset_find(const char *url);

/* True when url belongs to the static UI ("/", "/index.html",
 * "/assets/..."): the caller routes it to srv__static_send. */
int srv__static_owns(const char *url);

struct MHD_Connection;
/* Queue the response for a GET/HEAD of url: 200 with Content-Type,
 * ETag and Cache-Control; 304 when If-None-Match carries the ETag; a
 * JSON 404 for an unknown asset. Returns MHD_YES/MHD_NO. */
int srv__static_send(struct MHD_Connection *c, const char *url);

#endif /* TB_SERVER_STATIC_INT_H */
