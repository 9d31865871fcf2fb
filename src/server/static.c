/* static.c - serves the web UI embedded at build time (static_int.h):
 * GET / answers the single page, /assets/... its scripts and styles, with
 * ETag revalidation (304) so a reload costs one small request per file;
 * anything else under /assets is a JSON 404 like the API's. */
#include "api_int.h"
#include "static_int.h"

#include <microhttpd.h>

int srv__static_owns(const char *url)
{
	return strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0 ||
	       strncmp(url, "/assets/", 8) == 0;
}

const struct srv_asset *srv__asset_find(const char *url)
{
	if (strcmp(url, "/") == 0)
		url = "/index.html";
	if (strcmp(url, "/index.html") != 0 && strncmp(url, "/assets/", 8))
		return NULL;
	for (size_t i = 0; i < srv__n_assets; i++)
		if (strcmp(srv__assets[i].path, url) == 0)
			return &srv__assets[i];
	return NULL;
}

/* If-None-Match names the ETag: a list, "*", or weak forms count. */
static bool etag_matches(const char *inm, const char *etag)
{
	if (!inm)
		return false;
	if (strcmp(inm, "*") == 0)
		return true;
	const char *hit = strstr(inm, etag);
	return hit != NULL;
}

static int queue(struct MHD_Connection *c, unsigned code,
		 struct MHD_Response *r, const struct srv_asset *a)
{
	if (!r)
		return MHD_NO;
	if (a) {
		MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, a->etag);
		/* Fixed file names: always revalidate, a 304 is cheap. */
		MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
					"no-cache");
		MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	}
	int ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

int srv__static_send(struct MHD_Connection *c, const char *url)
{
	const struct srv_asset *a = srv__asset_find(url);
	if (!a) {
		static const char nf[] = "{\"error\":\"not found\",\"detail\":"
					 "\"no such file in the web UI\"}";
		struct MHD_Response *r = MHD_create_response_from_buffer(
		    sizeof(nf) - 1, (void *)nf, MHD_RESPMEM_PERSISTENT);
		if (r)
			MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
						"application/json");
		return queue(c, 404, r, NULL);
	}
	const char *inm = MHD_lookup_connection_value(
	    c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
	if (etag_matches(inm, a->etag))
		return queue(c, 304,
			     MHD_create_response_from_buffer(
				 0, NULL, MHD_RESPMEM_PERSISTENT),
			     a);
	struct MHD_Response *r = MHD_create_response_from_buffer(
	    a->len, (void *)a->data, MHD_RESPMEM_PERSISTENT);
	if (r)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
					a->type);
	return queue(c, 200, r, a);
}
